// Request bodies the notification service accepts, for the fuzz specs to send as they are or with one field made
// hostile: a case that answers 422 must fail on the field it changed, not on one left out.

export const validRotation = (over: Record<string, unknown> = {}) => ({
  siteId: 'S1',
  level: 1,
  timeZone: 'Asia/Shanghai',
  handoff: 'daily',
  handoffTime: '09:00',
  startsOn: '2026-01-01',
  members: ['s1-li-na'],
  ...over,
});

export const validOverride = (over: Record<string, unknown> = {}) => ({
  siteId: 'S1',
  level: 1,
  staffId: 's1-li-na',
  from: '2026-12-01T09:00:00+08:00',
  to: '2026-12-02T09:00:00+08:00',
  reason: 'Swapped shift',
  ...over,
});
