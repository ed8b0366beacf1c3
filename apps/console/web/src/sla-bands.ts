// How near an order is to breaching, in the bands the at-risk list and the board's countdown colours share
// (ServiceNow's at-risk convention starts at 75 % of the target elapsed; docs/reports.md).

export type SlaBand = 'under-50' | '50-75' | '75-90' | '90+' | 'breached';

/** The band of a target `startedAt` → `dueAt` at `now`; breached once the deadline has passed (or was marked so). */
export const slaBandAt = (startedAt: number, dueAt: number, now: number, breached = false): SlaBand => {
  if (breached || now >= dueAt) return 'breached';
  const elapsed = (now - startedAt) / Math.max(1, dueAt - startedAt);
  return elapsed >= 0.9 ? '90+' : elapsed >= 0.75 ? '75-90' : elapsed >= 0.5 ? '50-75' : 'under-50';
};

/**
 * Tag colours per band, darkening as the deadline nears: antd's palette at shade 8 (gold at 9, red at 7), drawn solid with white
 * text, which passes WCAG AA contrast; the light preset tags (green-7 text on green-1) do not.
 */
export const SLA_BAND_COLOURS: Readonly<Record<SlaBand, string>> = {
  'under-50': '#237804',
  '50-75': '#874d00',
  '75-90': '#ad4e00',
  '90+': '#ad2102',
  breached: '#cf1322',
};
