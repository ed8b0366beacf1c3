import { InquiryCounts } from './inquiries.repository';

/** docs/reports.md, "Inquiries": the period's questions and how many the knowledge base answered on its own. */
export interface InquiryFigures extends InquiryCounts {
  /** deflected / received, four decimals; null when nothing was asked. */
  readonly deflectionRate: number | null;
}

export const inquiryFigures = (counts: InquiryCounts): InquiryFigures => ({
  ...counts,
  deflectionRate: counts.received === 0 ? null : Math.round((counts.deflected / counts.received) * 10_000) / 10_000,
});
