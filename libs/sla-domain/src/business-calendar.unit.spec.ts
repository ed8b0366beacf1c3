import { isWorkday } from 'chinese-days';
import {
  addWorkingSeconds,
  BusinessCalendar,
  countsBeyondOfficialData,
  monthlyPlanDeadline,
  workingSecondsBetween,
} from './business-calendar';
import { shanghaiOffice } from './calendars-under-test.spec';

const WORKING_DAY = 9 * 3600;
const at = (local: string) => new Date(`${local}+08:00`);

describe('working time on the Shanghai office calendar', () => {
  // 2026: 1-7 October off for National Day; Thursday 8 October is the first working day back, and Saturday
  // 10 October is an adjusted workday (调休).
  it.each([
    ['counts one working day within a week', '2026-11-23T10:00:00', WORKING_DAY, '2026-11-24T10:00:00'],
    [
      'carries one working day reported on Friday afternoon over the weekend to Monday',
      '2026-11-27T16:00:00',
      WORKING_DAY,
      '2026-11-30T16:00:00',
    ],
    ['starts counting at opening time for a report made at night', '2026-11-23T22:15:00', 3600, '2026-11-24T09:30:00'],
    [
      'starts counting at opening time for a report made on a Sunday',
      '2026-11-29T11:00:00',
      3600,
      '2026-11-30T09:30:00',
    ],
    [
      'skips the National Day week: reported the afternoon before, due the first working day after',
      '2026-09-30T15:00:00',
      WORKING_DAY,
      '2026-10-08T15:00:00',
    ],
    [
      'counts an adjusted workday (调休): Saturday 10 October 2026 is a working day',
      '2026-10-09T15:00:00',
      WORKING_DAY,
      '2026-10-10T15:00:00',
    ],
  ])('%s', (_name, reported, seconds, due) => {
    expect(addWorkingSeconds(at(reported), seconds, shanghaiOffice)).toEqual(at(due));
  });

  it('measures working time between two instants, which undoes adding it', () => {
    const start = at('2026-09-30T15:00:00');
    const due = addWorkingSeconds(start, 2 * WORKING_DAY + 1800, shanghaiOffice);
    expect(workingSecondsBetween(start, due, shanghaiOffice)).toBe(2 * WORKING_DAY + 1800);
    expect(workingSecondsBetween(at('2026-10-02T09:00:00'), at('2026-10-05T17:00:00'), shanghaiOffice)).toBe(0);
    expect(workingSecondsBetween(due, start, shanghaiOffice)).toBe(0);
  });

  it('keeps wall-clock hours across a daylight-saving change in zones that have one', () => {
    const london: BusinessCalendar = {
      timeZone: 'Europe/London',
      opens: '09:00',
      closes: '17:00',
      isWorkingDay: (date) => ![0, 6].includes(new Date(`${date}T12:00:00Z`).getUTCDay()),
      hasOfficialDataFor: () => true,
    };
    // Clocks go back on Sunday 25 October 2026: Friday 16:00 BST + 2 working hours = Monday 10:00 GMT.
    expect(addWorkingSeconds(new Date('2026-10-23T16:00:00+01:00'), 7200, london)).toEqual(
      new Date('2026-10-26T10:00:00Z'),
    );
  });

  describe('counting beyond the years the holiday data publishes', () => {
    it('flags a count that reaches a year without official data, by the local date: 07:00 on 1 January 2027 in Shanghai is still 2026 in UTC', () => {
      expect(
        countsBeyondOfficialData(
          new Date('2026-12-31T15:00:00+08:00'),
          new Date('2027-01-01T07:00:00+08:00'),
          shanghaiOffice,
        ),
      ).toBe(true);
    });

    it('does not flag a count within the published years', () => {
      expect(
        countsBeyondOfficialData(
          new Date('2026-12-28T09:00:00+08:00'),
          new Date('2026-12-31T17:30:00+08:00'),
          shanghaiOffice,
        ),
      ).toBe(false);
    });

    it('flags a count that passes through a missing year even if the year it ends in is known', () => {
      const knowing2028 = { ...shanghaiOffice, hasOfficialDataFor: (year: number) => year !== 2027 };
      expect(
        countsBeyondOfficialData(
          new Date('2026-12-31T09:00:00+08:00'),
          new Date('2028-01-03T09:00:00+08:00'),
          knowing2028,
        ),
      ).toBe(true);
      expect(
        countsBeyondOfficialData(
          new Date('2028-01-02T09:00:00+08:00'),
          new Date('2028-01-03T09:00:00+08:00'),
          knowing2028,
        ),
      ).toBe(false);
    });
  });
});

describe('the monthly works plan on the Shanghai office calendar, closed for new orders after the 20th', () => {
  const planDeadline = (reported: string, calendar: BusinessCalendar = shanghaiOffice) =>
    monthlyPlanDeadline(at(reported), 20, calendar);

  it("folds an order reported up to the 20th into this month's plan: due at close on the month's last working day", () => {
    expect(planDeadline('2026-11-03T10:00:00')).toEqual(at('2026-11-30T17:30:00'));
    expect(planDeadline('2026-11-20T23:59:00')).toEqual(at('2026-11-30T17:30:00'));
  });

  it("folds an order reported after the 20th into next month's plan, this month's being drawn up", () => {
    expect(planDeadline('2026-11-21T00:00:00')).toEqual(at('2026-12-31T17:30:00'));
    expect(planDeadline('2026-11-27T16:00:00')).toEqual(at('2026-12-31T17:30:00'));
  });

  it('reads the cutoff on the local date: 20 November 17:00 UTC is already the 21st in Shanghai', () => {
    expect(monthlyPlanDeadline(new Date('2026-11-20T17:00:00Z'), 20, shanghaiOffice)).toEqual(
      at('2026-12-31T17:30:00'),
    );
  });

  it('ends a month that ends on a weekend on its last Friday: October 2026 on Friday the 30th', () => {
    expect(planDeadline('2026-10-12T09:00:00')).toEqual(at('2026-10-30T17:30:00'));
  });

  it('ends September 2026 on Wednesday the 30th, the last working day before the National Day week', () => {
    expect(planDeadline('2026-09-21T09:00:00')).toEqual(at('2026-10-30T17:30:00'));
    expect(planDeadline('2026-09-08T09:00:00')).toEqual(at('2026-09-30T17:30:00'));
  });

  it('ends February 2026 on Saturday the 28th, an adjusted workday (调休) after the Spring Festival', () => {
    expect(planDeadline('2026-02-02T09:00:00')).toEqual(at('2026-02-28T17:30:00'));
  });

  it("ends December 2026 on the 30th at a site closed on New Year's Eve, at the site's own closing time", () => {
    const siteS2: BusinessCalendar = {
      ...shanghaiOffice,
      opens: '09:00',
      closes: '18:00',
      isWorkingDay: (date) => date !== '2026-12-31' && isWorkday(date),
    };
    expect(planDeadline('2026-12-01T09:00:00', siteS2)).toEqual(at('2026-12-30T18:00:00'));
    expect(planDeadline('2026-12-01T09:00:00')).toEqual(at('2026-12-31T17:30:00'));
  });

  it("rolls into January's plan across the year for an order reported after 20 December", () => {
    expect(planDeadline('2026-12-21T09:00:00')).toEqual(at('2027-01-29T17:30:00'));
  });

  it("joins the next plan when this month's closes before the report: a late cutoff, after the month's last close", () => {
    // A cutoff on the 28th; Saturday 28 February 2026 is February's last working day, and the order came that evening.
    expect(monthlyPlanDeadline(at('2026-02-28T19:00:00'), 28, shanghaiOffice)).toEqual(at('2026-03-31T17:30:00'));
  });
});
