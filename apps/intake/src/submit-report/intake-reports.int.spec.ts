import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventTypes, ReportDetails } from '@closeloop/contracts';
import { migrationsDirectory } from '@closeloop/database';
import { PostgresEventStore } from '@closeloop/event-store';
import { recordEvents, TestDatabase, useSuiteDatabase } from '@closeloop/testing';
import { workOrderStream } from '@closeloop/work-order-domain';
import { IntakeUnderTest, startIntakeUnderTest } from '../intake-under-test.spec';
import { WorkOrderNumbersRepository } from '../resident-feedback/work-order-numbers.repository';
import { workOrderIdForKey } from './idempotency';
import { IntakeReportsRepository } from './intake-reports.repository';
import { SubmitReportHandler } from './submit-report.handler';

interface ReportRow {
  work_order_id: string;
  number: string;
  site_id: string;
  building: string | null;
  reported_at: Date;
}

const rowOf = async (db: TestDatabase, workOrderId: string) =>
  (
    await db.pool.query<ReportRow>(
      'SELECT work_order_id, number, site_id, building, reported_at FROM intake_reports WHERE work_order_id = $1',
      [workOrderId],
    )
  ).rows[0];

/**
 * intake_reports (migration 0026), intake's own record of the orders it opened: what duplicate detection and the
 * lookup by number read, against the intake service in this process and a real database.
 */
describe('intake_reports, the orders intake opened', () => {
  let intake: IntakeUnderTest;

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-reports');
  }, 90_000);

  afterAll(async () => {
    await intake?.stop();
  });

  const leak = (unit: string, description: string, phone: string): ReportDetails => ({
    siteId: 'S1',
    building: 'B9',
    unit,
    channel: 'wechat',
    reporter: { name: 'Mr Lin', phone },
    description,
  });
  const submit = (report: ReportDetails, retryKey?: { scope: string; key: string }) =>
    intake.app.get(SubmitReportHandler).handle({
      report,
      retryKey,
      actor: { kind: 'integrator', id: 'fuzz-hotline' },
      correlationId: randomUUID(),
      causationId: randomUUID(),
    });
  const reportedNumber = async (workOrderId: string) => {
    const events = await new PostgresEventStore(intake.db.pool).readStream(workOrderStream(workOrderId));
    return (events.find((e) => e.type === EventTypes.WorkOrderReported)?.data as { number: string } | undefined)
      ?.number;
  };

  it('records each order it opens, with the number its report carries, and finds the order by that number', async () => {
    const opened = await submit(leak(randomUUID().slice(0, 8), 'The lift stops between floors', '13800001111'));
    expect(await rowOf(intake.db, opened.workOrderId)).toMatchObject({
      number: opened.number,
      site_id: 'S1',
      building: 'B9',
    });
    expect(await reportedNumber(opened.workOrderId)).toBe(opened.number);
    expect(await intake.app.get(WorkOrderNumbersRepository).idOf(opened.number)).toBe(opened.workOrderId);
  });

  it('finds the duplicate a second report repeats through its rows, and none once the row is gone', async () => {
    const unit = randomUUID().slice(0, 8);
    const first = await submit(leak(unit, 'Water leaking from the bathroom ceiling onto the floor', '13800001111'));
    const second = await submit(leak(unit, 'Leaking water from our bathroom ceiling', '13900002222'));
    expect(second).toMatchObject({ workOrderId: first.workOrderId, linkedAsDuplicate: expect.anything() });

    // The event store still holds the first report; without its row intake does not look there.
    await intake.db.pool.query('DELETE FROM intake_reports WHERE work_order_id = $1', [first.workOrderId]);
    const third = await submit(leak(unit, 'Water leaking from the bathroom ceiling again', '13700003333'));
    expect(third.workOrderId).not.toBe(first.workOrderId);
    expect(third.linkedAsDuplicate).toBeUndefined();
  });

  it('opens an order whose row was reserved before a crash with the reserved number, so row and report agree', async () => {
    const retryKey = { scope: 'http:integrator:crashed-before-appending', key: `crm-${randomUUID()}` };
    const workOrderId = workOrderIdForKey(retryKey.scope, retryKey.key);
    const reservedAt = new Date(Date.now() - 60_000);
    const reserved = await intake.app
      .get(IntakeReportsRepository)
      .reserve(
        { workOrderId, siteId: 'S1', building: 'B9', reportedAt: reservedAt, linkDigest: `digest-${workOrderId}` },
        `S1-20261101-${randomUUID().slice(0, 4)}`,
      );

    const opened = await submit(
      leak(randomUUID().slice(0, 8), 'The corridor light on our floor is out', '13600004444'),
      retryKey,
    );
    expect(opened).toMatchObject({ workOrderId, number: reserved, replayed: false });
    expect(await reportedNumber(workOrderId)).toBe(reserved);
    // The row's time is the latest attempt's, never before the report's own, so the duplicate window keeps it.
    expect((await rowOf(intake.db, workOrderId))?.reported_at.getTime()).toBeGreaterThan(reservedAt.getTime());
  });

  it('gives concurrent first requests with one key one order, whose row holds the number its report carries', async () => {
    const retryKey = { scope: 'http:integrator:concurrent', key: `crm-${randomUUID()}` };
    const report = leak(randomUUID().slice(0, 8), 'The entrance gate does not open', '13500005555');
    const answers = await Promise.all(Array.from({ length: 4 }, () => submit(report, retryKey)));
    expect(new Set(answers.map((a) => a.number)).size).toBe(1);
    const workOrderId = workOrderIdForKey(retryKey.scope, retryKey.key);
    expect((await rowOf(intake.db, workOrderId))?.number).toBe(await reportedNumber(workOrderId));
  });
});

describe('migration 0026 on a database with orders already opened', () => {
  const suite = useSuiteDatabase('intake_reports_backfill');

  it('fills intake_reports from the reports in the event tables, and the lookups find them there', async () => {
    const { db, store } = suite;
    const report = async (number: string, building: string | undefined) => {
      const workOrderId = randomUUID();
      const data = {
        workOrderId,
        number,
        siteId: 'S2',
        building,
        channel: 'app',
        reporter: {},
        description: 'Gate motor dead',
        reportedAt: new Date().toISOString(),
      };
      await recordEvents(
        store,
        workOrderStream(workOrderId),
        [{ type: EventTypes.WorkOrderReported, data }],
        { workOrderId, actor: { kind: 'system', id: 'test' }, producer: 'intake' },
        'no-stream',
      );
      return workOrderId;
    };
    const atGate = await report('S2-20261120-0007', 'Gate');
    const nowhere = await report('S2-20261120-0008', undefined);

    // The database as it was before 0026, with those orders in it; then 0026 as the migrator runs it.
    await db.pool.query('DROP TABLE intake_reports');
    for (const file of ['0005_work_order_lifecycle.sql', '0007_duplicate_lookup.sql']) {
      const sql = readFileSync(join(migrationsDirectory, file), 'utf8');
      await db.pool.query(/CREATE (UNIQUE )?INDEX es_events_[\s\S]*?;/.exec(sql)?.[0] as string);
    }
    await db.pool.query(readFileSync(join(migrationsDirectory, '0026_own_tables_instead_of_event_tables.sql'), 'utf8'));

    expect(await rowOf(db, atGate)).toMatchObject({ number: 'S2-20261120-0007', site_id: 'S2', building: 'Gate' });
    expect(await rowOf(db, nowhere)).toMatchObject({ number: 'S2-20261120-0008', site_id: 'S2', building: null });
    expect(
      await new IntakeReportsRepository(db.pool).atPlace('S2', 'Gate', new Date(Date.now() - 3_600_000), 10),
    ).toEqual([atGate]);
    expect(await new WorkOrderNumbersRepository(db.pool).idOf('S2-20261120-0008')).toBe(nowhere);
  });
});
