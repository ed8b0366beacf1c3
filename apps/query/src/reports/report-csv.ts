import { stringify } from 'csv-stringify/sync';

type Cell = string | number | boolean | null | undefined;

/** Nested figures as flat columns: { mtta: { medianSeconds } } becomes "mtta.medianSeconds". */
export const flatten = (value: unknown, prefix = ''): Record<string, Cell> => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { [prefix]: value as Cell };
  return Object.entries(value).reduce<Record<string, Cell>>(
    (row, [key, inner]) => ({ ...row, ...flatten(inner, prefix ? `${prefix}.${key}` : key) }),
    {},
  );
};

// A cell a spreadsheet would read as a formula (=, +, -, @, tab, CR) is written as text: OWASP's rule for CSV
// injection. Numbers are left alone, so negative changes stay numbers.
const asText = (cell: Cell): Cell => (typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);

/** RFC 4180 text with a header row: the union of the rows' columns, in the order they first appear. */
export const toCsv = (rows: readonly Record<string, Cell>[]): string => {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return stringify(
    rows.map((r) => columns.map((c) => asText(r[c]))),
    { header: true, columns, cast: { boolean: (b) => String(b) } },
  );
};
