/**
 * The unified number (统一编号) read to the resident: site, the site's local date, and a daily sequence,
 * e.g. S1-20261123-0001. Sequences past 9999 simply grow a digit.
 */
export const formatWorkOrderNumber = (siteId: string, localDate: string, sequence: number): string =>
  `${siteId}-${localDate.replaceAll('-', '')}-${String(sequence).padStart(4, '0')}`;

/** The calendar date (YYYY-MM-DD) of an instant in a site's time zone; numbering days follow the site's clock. */
export const localDateIn = (instant: Date, timeZone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
