/** A rotation body for PUT /v1/on-call/rotations/:id: the members on call all day, every day, since 2020. */
export const allDayRotation = (siteId: string, level: number, members: readonly string[]) => ({
  siteId,
  level,
  timeZone: 'Asia/Shanghai',
  handoff: 'daily',
  handoffTime: '09:00',
  startsOn: '2020-01-01',
  members,
});
