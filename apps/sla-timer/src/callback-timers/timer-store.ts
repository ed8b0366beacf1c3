import { Inject, Injectable } from '@nestjs/common';
import { nameBasedUuid, uuidNamespace } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { queryCamelRows } from '@closeloop/database';
import { ConsumerTransaction } from '@closeloop/messaging';
import { Pool, PoolClient } from 'pg';

/** The loop's own timers, or an SLA clock's (`sla:<target>:<kind>[:<level>]@<deadline>`). */
export type TimerKind = 'callback-due' | 'close-unconfirmed' | `sla:${string}`;

export interface ScheduledTimer {
  readonly kind: TimerKind;
  readonly round: number;
  readonly dueAt: Date;
}

export type OrderTimer = ScheduledTimer & { readonly workOrderId: string };

export interface DueTimer {
  readonly timerId: string;
  readonly workOrderId: string;
  readonly kind: TimerKind;
  readonly round: number;
  readonly dueAt: Date;
  readonly attempts: number;
}

// How long a claimed timer is held for its firing before another instance may try it.
const LEASE_SECONDS = 30;

// Timer ids are made in their own namespace. Ids stored before it (a SHA-1 of the name with a fixed variant digit)
// stay on their rows: a row is unique by (order, kind, round), so scheduling it again keeps the stored row and id,
// and a firing always uses the id read from its row (docs/adr/0018-one-decider-kernel.md).
const TIMER_IDS = uuidNamespace('18a29038-3aec-4866-b1ea-9154fec7fae9');

/** One id per (order, kind, round), so scheduling twice (a redelivered event) is the same timer. */
export const timerIdOf = (workOrderId: string, kind: TimerKind, round: number): string =>
  nameBasedUuid(TIMER_IDS, `${workOrderId}/${kind}/${round}`);

/** Durable timers in PostgreSQL: nothing about a pending deadline lives only in a process's memory. */
@Injectable()
export class TimerStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async schedule(workOrderId: string, kind: TimerKind, round: number, dueAt: Date): Promise<void> {
    await this.scheduleAll(workOrderId, [{ kind, round, dueAt }]);
  }

  /** Several timers of one order in one statement: a firing schedules the next warning, breach or level at once. */
  async scheduleAll(workOrderId: string, timers: readonly ScheduledTimer[]): Promise<void> {
    await this.scheduleForOrders(timers.map((timer) => ({ workOrderId, ...timer })));
  }

  /**
   * Timers of one order scheduled with a consumer batch (docs/adr/0036-batch-consumers.md): gathered over the batch
   * and written in one statement, in its transaction, just before it commits, so they commit with the batch's other
   * writes or not at all.
   */
  scheduleInBatch(transaction: ConsumerTransaction, workOrderId: string, timers: readonly ScheduledTimer[]): void {
    transaction
      .gather(
        'sla-timer:timers',
        (): OrderTimer[] => [],
        (gathered) => this.scheduleForOrders(gathered, transaction.client),
      )
      .push(...timers.map((timer) => ({ workOrderId, ...timer })));
  }

  /**
   * Timers of many orders in one statement: a batch of firings schedules what every order's clocks need next. On
   * the pool, or in the transaction given.
   */
  async scheduleForOrders(unsorted: readonly OrderTimer[], db: Pool | PoolClient = this.pool): Promise<void> {
    if (unsorted.length === 0) return;
    // In one order, by id (one per key): batches fired side by side may schedule the same order's timers, and two
    // inserts taking the same keys in different orders could each wait on the other.
    const timers = unsorted
      .map((timer) => ({ ...timer, timerId: timerIdOf(timer.workOrderId, timer.kind, timer.round) }))
      .sort((a, b) => (a.timerId < b.timerId ? -1 : a.timerId > b.timerId ? 1 : 0));
    await db.query(
      `INSERT INTO sla_timer_timers (timer_id, work_order_id, kind, round, due_at)
       SELECT t.timer_id, t.work_order_id, t.kind, t.round, t.due_at
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::timestamptz[]) AS t(timer_id, work_order_id, kind, round, due_at)
       ON CONFLICT (work_order_id, kind, round) DO NOTHING`,
      [
        timers.map((t) => t.timerId),
        timers.map((t) => t.workOrderId),
        timers.map((t) => t.kind),
        timers.map((t) => t.round),
        timers.map((t) => t.dueAt),
      ],
    );
  }

  /**
   * Claims up to `limit` due timers for this instance: a short transaction that skips rows another instance is
   * claiming and leases the rest. A timer whose lease ran out (its instance died mid-firing) is claimable again.
   */
  async claimDue(limit: number): Promise<DueTimer[]> {
    return queryCamelRows<DueTimer>(
      this.pool,
      `UPDATE sla_timer_timers SET claimed_until = now() + make_interval(secs => $2), attempts = attempts + 1
       WHERE timer_id IN (
         SELECT timer_id FROM sla_timer_timers
         WHERE fired_at IS NULL AND failed_at IS NULL AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY due_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED)
       RETURNING timer_id, work_order_id, kind, round, due_at, attempts`,
      [limit, LEASE_SECONDS],
    );
  }

  /** Timers due and not yet fired nor given up on (closeloop_timers_due): the backlog the workers have to go through. */
  async countDue(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM sla_timer_timers WHERE fired_at IS NULL AND failed_at IS NULL AND due_at <= now()',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async markFired(timerId: string): Promise<void> {
    await this.markAllFired([timerId]);
  }

  async markAllFired(timerIds: readonly string[]): Promise<void> {
    if (timerIds.length === 0) return;
    await this.pool.query(
      'UPDATE sla_timer_timers SET fired_at = now(), claimed_until = NULL, last_error = NULL WHERE timer_id = ANY($1::uuid[])',
      [timerIds],
    );
  }

  /** Gives up on a timer whose firings kept failing: it waits, failed, for an operator (FailedTimers.retry). */
  async fail(timerId: string, error: string): Promise<void> {
    await this.pool.query(
      'UPDATE sla_timer_timers SET failed_at = now(), claimed_until = NULL, last_error = $2 WHERE timer_id = $1 AND fired_at IS NULL',
      [timerId, error.slice(0, 2000)],
    );
  }

  /** Gives back timers claimed but never fired (a graceful shutdown): due again at once, and not counted as an attempt. */
  async releaseUnfired(timerIds: readonly string[]): Promise<void> {
    await this.pool.query(
      'UPDATE sla_timer_timers SET claimed_until = NULL, attempts = attempts - 1 WHERE timer_id = ANY($1) AND fired_at IS NULL',
      [timerIds],
    );
  }

  /** Gives a failed firing back, to be retried once its back-off has passed. */
  async release(timerId: string, error: string, retryInSeconds: number): Promise<void> {
    await this.pool.query(
      'UPDATE sla_timer_timers SET claimed_until = now() + make_interval(secs => $2), last_error = $3 WHERE timer_id = $1',
      [timerId, retryInSeconds, error.slice(0, 2000)],
    );
  }
}
