import { SlaPolicySchema } from '@closeloop/sla-domain';
import { calendarOf, calendarsMissingHolidays, holidayData } from './site-calendars';

const office = { timeZone: 'Asia/Shanghai', opens: '08:30', closes: '17:30', closedOn: [], openOn: [] };
const policy = (siteCalendars: Record<string, unknown> = {}, calendar: Record<string, unknown> = office) =>
  SlaPolicySchema.parse({
    id: 'office',
    calendar,
    siteCalendars,
    tiers: {
      urgent: { responseSeconds: 1800, resolutionSeconds: 7200 },
      normal: { clock: 'working-time', responseSeconds: 14400, resolutionSeconds: 32400 },
      planned: { clock: 'working-time', responseSeconds: 64800, resolutionSeconds: 648000 },
    },
  });

describe('the holiday data a site calendar stands on', () => {
  it('names the package version and the last year it publishes holidays for (chinese-days 1.5.7: 2026)', () => {
    expect(holidayData).toEqual({ source: 'chinese-days@1.5.7', lastOfficialYear: 2026 });
  });

  it('knows 2026 and flags 2027, which the package silently answers Monday to Friday', () => {
    const calendar = calendarOf(office);
    expect(calendar.hasOfficialDataFor(2026)).toBe(true);
    expect(calendar.hasOfficialDataFor(2027)).toBe(false);
    // New Year's Day 2027 is a Friday the package counts as a working day: why the flag is needed.
    expect(calendar.isWorkingDay('2027-01-01')).toBe(true);
  });

  it('counts a year as known once the calendar lists closedOn or openOn dates in it: the operator entered its holidays', () => {
    const entered = calendarOf({ ...office, closedOn: ['2027-01-01'], openOn: ['2028-02-05'] });
    expect(entered.isWorkingDay('2027-01-01')).toBe(false);
    expect([2027, 2028, 2029].map((year) => entered.hasOfficialDataFor(year))).toEqual([true, true, false]);
  });
});

describe('the start-up warning about calendars running out of holiday data', () => {
  it('names the first year without data and tells the operator what to do, in the last year with data', () => {
    const [warning, ...more] = calendarsMissingHolidays(policy(), new Date('2026-11-28T10:00:00+08:00'));
    expect(more).toEqual([]);
    expect(warning).toContain(
      'the default calendar has no public holidays for 2027 (chinese-days@1.5.7 has them up to 2026)',
    );
    expect(warning).toContain('closedOn/openOn');
    expect(warning).toContain('raise its version');
    expect(warning).toContain('upgrade chinese-days');
  });

  it('names each site calendar on its own, with the first year it lacks after those entered by hand', () => {
    const withS2 = policy({ S2: { ...office, closedOn: ['2027-02-11'] } });
    expect(calendarsMissingHolidays(withS2, new Date('2026-11-28T10:00:00+08:00'))).toEqual([
      expect.stringContaining('the default calendar has no public holidays for 2027'),
    ]);
    expect(calendarsMissingHolidays(withS2, new Date('2027-06-01T10:00:00+08:00'))).toEqual([
      expect.stringContaining('the default calendar has no public holidays for 2027'),
      expect.stringContaining("site S2's calendar has no public holidays for 2028"),
    ]);
  });

  it('says nothing while no deadline counted now can reach a year without data', () => {
    expect(calendarsMissingHolidays(policy(), new Date('2025-06-01T10:00:00+08:00'))).toEqual([]);
    expect(
      calendarsMissingHolidays(
        policy({}, { ...office, closedOn: ['2027-01-01'] }),
        new Date('2026-11-28T10:00:00+08:00'),
      ),
    ).toEqual([]);
  });
});
