// How near an order is to breaching, in the bands the at-risk list and the board's countdown colours share
// (ServiceNow's at-risk convention starts at 75 % of the target elapsed; docs/reports.md).

export type SlaBand = 'under-50' | '50-75' | '75-90' | '90+' | 'breached';

/** The band of a target `startedAt` → `dueAt` at `now`; breached once the deadline has passed (or was marked so). */
export const slaBandAt = (startedAt: number, dueAt: number, now: number, breached = false): SlaBand => {
  if (breached || now >= dueAt) return 'breached';
  const elapsed = (now - startedAt) / Math.max(1, dueAt - startedAt);
  return elapsed >= 0.9 ? '90+' : elapsed >= 0.75 ? '75-90' : elapsed >= 0.5 ? '50-75' : 'under-50';
};

/** antd colour names per band, darkening as the deadline nears. */
export const SLA_BAND_COLOURS: Readonly<Record<SlaBand, string>> = {
  'under-50': 'green',
  '50-75': 'gold',
  '75-90': 'orange',
  '90+': 'volcano',
  breached: 'red',
};
