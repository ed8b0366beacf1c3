/**
 * The unified number (统一编号) read to the resident: site, the site's local date, and a daily sequence,
 * e.g. S1-20261123-0001. Sequences past 9999 simply grow a digit.
 */
export const formatWorkOrderNumber = (siteId: string, localDate: string, sequence: number): string =>
  `${siteId}-${localDate.replaceAll('-', '')}-${String(sequence).padStart(4, '0')}`;
