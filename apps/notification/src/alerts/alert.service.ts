import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { inTransaction, SessionLocks } from '@closeloop/database';
import { lockReadModelShared } from '@closeloop/messaging';
import { Actor, AlertEvent, EventMetadata, ForbiddenError, NotFoundError, SlaTarget, StaffMemberRef, toDomainEvents } from '@closeloop/contracts';
import { EVENT_STORE, EventStore, RecordedEvent, StreamVersionConflictError } from '@closeloop/event-store';
import { AlertCommand, alertStream, AlertState, decideAlert, evolveAlert, initialAlertState } from '@closeloop/notification-domain';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { NOTIFICATION_CONFIG, NotificationConfig } from '../notification.config';
import { NOTIFICATION_READ_MODEL, projectAlert } from './alert.projection';

export interface AlertContextIds {
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: Actor;
}

export interface AlertOutcome {
  readonly state: AlertState;
  readonly events: readonly AlertEvent[];
}

const MAX_CONFLICT_RETRIES = 5;
/** How many alerts may be worked on at once in one instance (sends, acknowledgements, raises). */
const LOCK_CONNECTIONS = 16;
// The two-key advisory lock space of alerts, apart from the relay's single-key lock.
const ALERT_LOCK_SPACE = 7_301;
// A site's storm decisions (ADR 12), one after the other across instances.
const STORM_LOCK_SPACE = 7_302;

/**
 * Who an alert is about, and at which step: the order, the SLA target (none for a new urgent order), the level
 * (0 for a warning to the owner, before any level) and the SLA round (0 until the first reopen). One alert per
 * identity, ever: a redelivered escalation, the same level reached again by a dead letter below it, or a restart
 * that reads the cause again all find the alert raised before instead of paging anyone a second time.
 */
export interface AlertIdentity {
  readonly workOrderId: string;
  readonly target?: SlaTarget | undefined;
  readonly level: number;
  readonly round: number;
}

/** A name-based UUID (version 5 layout) of the identity, so every instance derives the same id without asking. */
export const alertIdFor = (identity: AlertIdentity): string => {
  const name = `closeloop:alert:${identity.workOrderId}:${identity.target ?? 'order'}:${identity.level}:${identity.round}`;
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/**
 * Runs commands on alert streams (`alert-<id>`), keeping the `alerts` table in step. Every change of one alert, and
 * every send of it, happens under a session-level advisory lock on that alert: an acknowledgement waits for a send
 * in flight and a send that comes after finds the alert acknowledged, so nothing goes out after an
 * acknowledgement, and an acknowledgement racing the order's resolution is decided one after the other. Session
 * locks take no transaction id, so they never hold back the relay the way an open transaction would.
 */
@Injectable()
export class AlertService implements OnApplicationShutdown {
  private readonly locks: SessionLocks;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(NOTIFICATION_CONFIG) config: NotificationConfig,
  ) {
    this.locks = new SessionLocks(config.DATABASE_URL, 'closeloop-notification-alert-locks', LOCK_CONNECTIONS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.locks.end();
  }

  withAlertLock<T>(alertId: string, work: () => Promise<T>): Promise<T> {
    return this.locks.withLock(ALERT_LOCK_SPACE, alertId, work);
  }

  /** Decides, one alert at a time per site, whether an alert is paged on its own or held for a storm digest. */
  withSiteStormLock<T>(siteId: string, work: () => Promise<T>): Promise<T> {
    return this.locks.withLock(STORM_LOCK_SPACE, siteId, work);
  }

  async load(alertId: string): Promise<{ state: AlertState; version: number; recorded: RecordedEvent[] }> {
    const recorded = await this.store.readStream(alertStream(alertId));
    const state = (toDomainEvents(recorded) as AlertEvent[]).reduce(evolveAlert, initialAlertState());
    return { state, version: recorded.length, recorded };
  }

  async find(alertId: string): Promise<Exclude<AlertState, { status: 'none' }>> {
    const { state } = await this.load(alertId);
    if (state.status === 'none') throw new NotFoundError('Alert', alertId);
    return state;
  }

  /** Decide on the alert's current state and append; callers that must not race a send hold the alert's lock. */
  async execute(alertId: string, workOrderId: string, command: AlertCommand, ids: AlertContextIds): Promise<AlertOutcome> {
    for (let attempt = 1; ; attempt++) {
      const { state, version } = await this.load(alertId);
      const events = decideAlert(command, state) as AlertEvent[];
      if (events.length === 0) return { state, events };
      const metadata: EventMetadata = { workOrderId, correlationId: ids.correlationId, causationId: ids.causationId, actor: ids.actor, producer: 'notification' };
      try {
        await this.store.append(alertStream(alertId), events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata })), version === 0 ? 'no-stream' : version);
      } catch (error) {
        if (!(error instanceof StreamVersionConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
        continue;
      }
      const next = events.reduce(evolveAlert, state);
      await this.project(next);
      return { state: next, events };
    }
  }

  /**
   * "I've got it", by API or one-time link, for one alert or for each alert a storm digest lists: under the alert's
   * lock, so it is decided after a send in flight and before the next.
   */
  acknowledge(alertId: string, by: StaffMemberRef, via: 'api' | 'link', at: Date, correlationId: string, mayAcknowledge: (state: AlertState) => boolean): Promise<AlertOutcome> {
    return this.withAlertLock(alertId, async () => {
      const current = await this.find(alertId);
      if (!mayAcknowledge(current)) throw new ForbiddenError(`Alert ${alertId} is not addressed to ${by.staffId}`, 'ALERT_NOT_ADDRESSED_TO_YOU');
      return this.execute(
        alertId,
        current.workOrderId,
        { type: 'AcknowledgeAlert', by, via, at },
        { correlationId, causationId: `ack:${alertId}:${by.staffId}`, actor: { kind: 'staff', id: by.staffId } },
      );
    });
  }

  /**
   * The table of alerts is the working copy of the streams: upserted from the state after every change, under the
   * read model's shared lock, so a rebuild swapping in a new table waits for it or it for the swap (ADR 16).
   */
  async project(state: AlertState): Promise<void> {
    if (state.status === 'none') return;
    await inTransaction(this.pool, async (client) => {
      await lockReadModelShared(client, NOTIFICATION_READ_MODEL);
      await projectAlert(client, state);
      if (state.status !== 'open') {
        // A retry already queued is cancelled with the alert: nothing is sent after an acknowledgement.
        await client.query(`UPDATE alert_deliveries SET status = 'cancelled', claimed_until = NULL WHERE alert_id = $1 AND status = 'pending'`, [state.alertId]);
      }
    });
  }

  async openAlertsOf(workOrderId: string): Promise<{ alertId: string; target: string | null }[]> {
    const { rows } = await this.pool.query<{ alert_id: string; target: string | null }>(`SELECT alert_id, target FROM alerts WHERE work_order_id = $1 AND status = 'open'`, [workOrderId]);
    return rows.map((r) => ({ alertId: r.alert_id, target: r.target }));
  }
}
