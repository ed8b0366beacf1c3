import type PDFKitDocument from 'pdfkit';
import { DocumentTable, ReportDocument } from './monthly-report-document';

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const htmlTable = (table: DocumentTable): string =>
  table.rows.length === 0
    ? '<p class="none">—</p>'
    : `<table><thead><tr>${table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${table.rows
        .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;

/** A printable page (A4, one column); every text is escaped, so residents' comments cannot inject markup. */
export const renderHtml = (document: ReportDocument): string => `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(document.title)}</title>
<style>
  @page { size: A4; margin: 16mm; }
  body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 10.5pt; color: #1b1f23; max-width: 190mm; margin: 0 auto; }
  h1 { font-size: 17pt; margin: 0 0 2mm; }
  .subtitle { color: #57606a; margin: 0 0 6mm; }
  h2 { font-size: 12.5pt; border-bottom: 1.5px solid #0b6e4f; padding-bottom: 1mm; margin: 7mm 0 2mm; break-after: avoid; }
  table { border-collapse: collapse; width: 100%; margin: 2mm 0; }
  th, td { border: 1px solid #d0d7de; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
  th { background: #f3f6f8; }
  tr { break-inside: avoid; }
  p { margin: 1.5mm 0; }
  .none { color: #57606a; }
</style></head><body>
<h1>${escapeHtml(document.title)}</h1>
<p class="subtitle">${escapeHtml(document.subtitle)}</p>
${document.sections
  .map(
    (s) =>
      `<section><h2>${escapeHtml(s.title)}</h2>${s.table ? htmlTable(s.table) : ''}${(s.paragraphs ?? [])
        .map((p) => `<p>${escapeHtml(p)}</p>`)
        .join('')}</section>`,
  )
  .join('\n')}
</body></html>
`;

/** Where the CJK font is: Debian's fonts-noto-cjk, which `npm test` and `npm run up` install when it is missing. */
export const CJK_FONT = {
  file: process.env['REPORT_CJK_FONT'] ?? '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  family: 'NotoSansCJKsc-Regular',
};

const A4_MARGIN = 42;

/**
 * pdfkit and what it brings (fontkit, brotli, the line breaker: several MB of heap) loaded on the first PDF: most
 * query processes never draw one, and each service is held to 200 MB RSS (issue 15).
 */
let pdfkit: typeof PDFKitDocument | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pdfDocumentClass = (): typeof PDFKitDocument => (pdfkit ??= require('pdfkit') as typeof PDFKitDocument);

/** The same document as a PDF: pdfkit embeds the subset of the CJK font the text uses, so Chinese renders anywhere. */
export const renderPdf = (document: ReportDocument): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const PDFDocument = pdfDocumentClass();
    const pdf = new PDFDocument({ size: 'A4', margin: A4_MARGIN, info: { Title: document.title } });
    const chunks: Buffer[] = [];
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
    pdf.registerFont('cjk', CJK_FONT.file, CJK_FONT.family);
    pdf.font('cjk');
    const width = pdf.page.width - 2 * A4_MARGIN;
    pdf.fontSize(16).text(document.title, { width });
    pdf.moveDown(0.3).fontSize(9).fillColor('#57606a').text(document.subtitle, { width }).fillColor('black');
    for (const section of document.sections) {
      pdf.moveDown(0.8).fontSize(12).text(section.title, { width });
      pdf.moveDown(0.2).fontSize(9);
      if (section.table) pdfTable(pdf, section.table, width);
      for (const paragraph of section.paragraphs ?? []) pdf.text(paragraph, { width }).moveDown(0.2);
    }
    pdf.end();
  });

/** A table as rows of cells of equal width, a new page when a row would run off the page. */
const pdfTable = (pdf: PDFKit.PDFDocument, table: DocumentTable, width: number): void => {
  if (table.rows.length === 0) {
    pdf.text('—');
    return;
  }
  const cellWidth = width / table.columns.length;
  const row = (cells: readonly string[], shade: boolean) => {
    const height = Math.max(...cells.map((c) => pdf.heightOfString(c, { width: cellWidth - 6 }))) + 6;
    if (pdf.y + height > pdf.page.height - A4_MARGIN) pdf.addPage();
    const top = pdf.y;
    if (shade) pdf.rect(A4_MARGIN, top, width, height).fill('#f3f6f8').fillColor('black');
    cells.forEach((cell, i) => pdf.text(cell, A4_MARGIN + i * cellWidth + 3, top + 3, { width: cellWidth - 6 }));
    pdf.rect(A4_MARGIN, top, width, height).strokeColor('#d0d7de').stroke();
    pdf.x = A4_MARGIN;
    pdf.y = top + height;
  };
  row(table.columns, true);
  for (const cells of table.rows) row(cells, false);
  pdf.moveDown(0.3);
};
