import { Body, Controller, Get, Put, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { Access, ensureSiteAllowed, principalOf, staffMemberOf } from '@closeloop/http';
import type { Request, Response } from 'express';
import {
  addLocalDays,
  DEFAULT_SITE_TIME_ZONE,
  IdentifierSchema,
  LocalDateSchema,
  localDaysBetween,
  TextSchema,
  ValidationError,
} from '@closeloop/contracts';
import { Clock } from '@closeloop/runtime';
import { z } from 'zod';
import { InquiriesRepository } from '../inquiries/inquiries.repository';
import { inquiryFigures } from '../inquiries/inquiry-figures';
import { hotSpotReport } from './hot-spots';
import { flatten, toCsv } from './report-csv';
import { monthlyReport } from './monthly-report';
import { reportDocument } from './monthly-report-document';
import { renderHtml, renderPdf } from './monthly-report.render';
import { ReportNotesRepository } from './report-notes.repository';
import { ReportOrdersRepository } from './report-orders.repository';
import { previousWindowOf, windowOf } from './report-window';
import {
  ATTRIBUTE_GROUPINGS,
  attributeGroupingOf,
  periodFigures,
  serviceLevelReport,
  serviceLevelWindows,
  TIME_GROUPINGS,
} from './service-levels';

/** Who reads the desk's figures: supervisors and admins, and the dispatchers who run the desk day to day. */
export const REPORT_READERS = ['supervisor', 'admin', 'dispatcher'] as const;

/** The longest period one report covers: a year and a little, so a twelve-month report of a leap year fits. */
export const MAX_REPORT_DAYS = 400;

const PeriodSchema = z
  .object({ site: IdentifierSchema, from: LocalDateSchema, to: LocalDateSchema })
  .refine((q) => localDaysBetween(q.from, q.to) > 0, { message: 'to must be after from', path: ['to'] })
  .refine((q) => localDaysBetween(q.from, q.to) <= MAX_REPORT_DAYS, {
    message: `a report covers at most ${MAX_REPORT_DAYS} days`,
    path: ['to'],
  });

const ServiceLevelQuerySchema = z
  .object({
    site: z.unknown(),
    from: z.unknown(),
    to: z.unknown(),
    groupBy: z.enum([...ATTRIBUTE_GROUPINGS, ...TIME_GROUPINGS]).optional(),
  })
  .strict();

const HotSpotQuerySchema = z
  .object({
    site: z.unknown(),
    from: z.unknown(),
    to: z.unknown(),
    /** Which table a CSV carries; JSON carries them all. */
    section: z.enum(['hotSpots', 'repeats', 'seasonality']).default('hotSpots'),
  })
  .strict();

const parseAs =
  (part: 'query' | 'body') =>
  <S extends z.ZodTypeAny>(schema: S, input: unknown): z.infer<S> => {
    const parsed = schema.safeParse(input);
    if (!parsed.success)
      throw new ValidationError(
        `The ${part} is not valid`,
        parsed.error.issues.map((i) => ({ path: `${part}:${i.path.join('.') || `(${part})`}`, message: i.message })),
      );
    return parsed.data;
  };
const parse = parseAs('query');
const parseBody = parseAs('body');

/** A month at a site, "YYYY-MM". */
const MonthSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM')
  .refine((m) => m >= '2000-01' && m <= '2999-12', 'must be a month between 2000 and 2999');

const MonthlyQuerySchema = z.object({ site: IdentifierSchema, month: MonthSchema }).strict();

/** The desk's notes, and the version they were written over (0 for the first): a stale save is refused with 409. */
const NotesBodySchema = z.object({ text: TextSchema(20_000), readVersion: z.number().int().nonnegative() }).strict();

/** Who writes the desk's notes on the monthly report. */
export const NOTES_WRITERS = ['supervisor', 'admin'] as const;

/** The site and period a report is asked for, once the caller may read that site; read in the site's zone. */
const periodAsked = (query: Record<string, unknown>, request: Request) => {
  const { site, from, to } = parse(PeriodSchema, query);
  ensureSiteAllowed(principalOf(request), site);
  const timeZone = DEFAULT_SITE_TIME_ZONE;
  return { site, from, to, timeZone, window: windowOf(from, to, timeZone) };
};

const wantsCsv = (request: Request): boolean => request.accepts(['application/json', 'text/csv']) === 'text/csv';

const sendCsv = (response: Response, name: string, rows: Record<string, unknown>[]): string => {
  response.setHeader('Content-Type', 'text/csv; charset=utf-8');
  response.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
  return toCsv(rows.map((r) => flatten(r)));
};

/**
 * The desk's figures over a period (docs/reports.md): service levels against the period before, and where the
 * problems come from. JSON, or CSV with `Accept: text/csv`. Every period is read in the site's time zone.
 */
@Controller('v1/reports')
@Access({ staff: REPORT_READERS })
export class ReportsHttpController {
  constructor(
    private readonly reports: ReportOrdersRepository,
    private readonly notes: ReportNotesRepository,
    private readonly clock: Clock,
    private readonly inquiries: InquiriesRepository,
  ) {}

  @Get('service-levels')
  async serviceLevels(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { groupBy } = parse(ServiceLevelQuerySchema, query);
    const { site, from, to, timeZone, window } = periodAsked(query, request);
    const csv = wantsCsv(request);
    const previousPeriod = previousWindowOf(window, timeZone);
    const [tallies, inquiries] = await Promise.all([
      this.reports.serviceLevelTallies(
        site,
        serviceLevelWindows(window, groupBy ?? null, timeZone),
        attributeGroupingOf(groupBy),
      ),
      // Questions the knowledge base answered without an order (docs/reports.md, "Inquiries"): the whole period only.
      csv
        ? undefined
        : Promise.all([
            this.inquiries.countsFor(site, new Date(window.start), new Date(window.end)),
            this.inquiries.countsFor(site, new Date(previousPeriod.start), new Date(previousPeriod.end)),
          ]),
    ]);
    const report = serviceLevelReport({ siteId: site, timeZone, window, groupBy, tallies });
    if (inquiries) {
      const [current, before] = inquiries;
      return { ...report, inquiries: { current: inquiryFigures(current), previous: inquiryFigures(before) } };
    }
    const total = { group: 'total', key: null, from: report.from, to: report.to, ...report.total };
    const groups = report.groups.map((g) => ({ ...g, group: groupBy, from: g.from ?? from, to: g.to ?? to }));
    return sendCsv(
      response,
      `service-levels-${site}-${from}-${to}`,
      [total, ...groups].map(({ current, previous, ...rest }) => ({ site, timeZone, ...rest, ...current, previous })),
    );
  }

  @Get('hot-spots')
  async hotSpots(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { section } = parse(HotSpotQuerySchema, query);
    const { site, from, to, timeZone, window } = periodAsked(query, request);
    // Twelve months: the month of the period's last day and the eleven before it.
    const lastMonthStart = `${addLocalDays(to, -1).slice(0, 7)}-01`;
    const months = Array.from({ length: 12 }, (_, i) => monthBefore(lastMonthStart, 11 - i));
    const season = windowOf(`${months[0]}-01`, nextMonth(lastMonthStart), timeZone);
    const [cells, repeats, monthCounts] = await Promise.all([
      this.reports.hotSpotCells(site, window, previousWindowOf(window, timeZone)),
      this.reports.repeatComplaints(site, window),
      this.reports.receivedByMonth(site, new Date(season.start), new Date(season.end), timeZone),
    ]);
    const report = hotSpotReport({ siteId: site, timeZone, window, cells, repeats, months, monthCounts });
    if (!wantsCsv(request)) return report;
    const rows =
      section === 'hotSpots'
        ? report.hotSpots
        : section === 'repeats'
          ? report.repeats
          : report.seasonality.map(({ byCategory, ...month }) => ({ ...month, ...byCategory }));
    return sendCsv(
      response,
      `hot-spots-${section}-${site}-${from}-${to}`,
      rows.map((r) => ({ site, timeZone, ...r })),
    );
  }

  /**
   * The monthly hotline report: JSON, a printable page (Accept: text/html), a PDF (application/pdf), or the orders
   * that missed their targets as CSV (text/csv). Supervisors and admins only: it names staff and quotes residents.
   */
  @Get('monthly')
  @Access({ staff: NOTES_WRITERS })
  async monthly(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { site, month } = parse(MonthlyQuerySchema, query);
    ensureSiteAllowed(principalOf(request), site);
    const timeZone = DEFAULT_SITE_TIME_ZONE;
    const from = `${month}-01`;
    const to = nextMonth(from);
    const previousFrom = `${monthBefore(from, 1)}-01`;
    const window = windowOf(from, to, timeZone);
    const previousWindow = windowOf(previousFrom, from, timeZone);
    const [tallies, cells, repeats, listed, deskNotes] = await Promise.all([
      this.reports.serviceLevelTallies(site, [window, previousWindow], null),
      // The month's hot spots against the 30 days before it, as the hot-spot report counts them.
      this.reports.hotSpotCells(site, window, previousWindowOf(window, timeZone)),
      this.reports.repeatComplaints(site, window),
      this.reports.factsQuotedIn(site, new Date(window.start), new Date(window.end)),
      this.notes.latest(site, month),
    ]);
    const report = monthlyReport({
      siteId: site,
      month,
      timeZone,
      window,
      previousWindow,
      headline: periodFigures(tallies.total, 0),
      cells,
      repeats,
      listed,
      deskNotes,
      generatedAt: this.clock.now(),
    });
    const format = request.accepts(['application/json', 'text/html', 'application/pdf', 'text/csv']);
    const name = `hotline-report-${site}-${month}`;
    if (format === 'text/csv')
      return sendCsv(
        response,
        name,
        report.missedTargets.map((m) => ({ site, timeZone, ...m })),
      );
    if (format === 'text/html') {
      response.setHeader('Content-Type', 'text/html; charset=utf-8');
      return renderHtml(reportDocument(report));
    }
    if (format === 'application/pdf') {
      response.setHeader('Content-Type', 'application/pdf');
      response.setHeader('Content-Disposition', `inline; filename="${name}.pdf"`);
      return new StreamableFile(await renderPdf(reportDocument(report)));
    }
    return report;
  }

  /** Saves a new version of the desk's notes on a month's report. */
  @Put('monthly/notes')
  @Access({ staff: NOTES_WRITERS })
  async putNotes(@Query() query: Record<string, unknown>, @Body() body: unknown, @Req() request: Request) {
    const { site, month } = parse(MonthlyQuerySchema, query);
    const caller = principalOf(request);
    ensureSiteAllowed(caller, site);
    const { text, readVersion } = parseBody(NotesBodySchema, body);
    return this.notes.save(site, month, readVersion, text, staffMemberOf(caller), this.clock.now());
  }
}

/** "YYYY-MM" of the month `count` months before the month starting on `monthStart` ("YYYY-MM-01"). */
const monthBefore = (monthStart: string, count: number): string => {
  const [year, month] = monthStart.split('-').map(Number) as [number, number];
  const index = year * 12 + (month - 1) - count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
};

const nextMonth = (monthStart: string): string => `${monthBefore(monthStart, -1)}-01`;
