import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { inTransaction, SessionLocks } from '@closeloop/database';
import { lockReadModelShared } from '@closeloop/messaging';
import {
  Actor,
  AlertEvent,
  ForbiddenError,
  IdNamespace,
  nameBasedUuid,
  NotFoundError,
  SlaTarget,
  StaffMemberRef,
} from '@closeloop/contracts';
import {
  aggregateStream,
  AggregatedStream,
  aggregateStreams,
  CommandOutcome,
  EVENT_STORE,
  EventStore,
  handleCommand,
  handleCommands,
} from '@closeloop/event-store';
import { AlertCommand, alertDecider, alertStream, AlertState } from '@closeloop/notification-domain';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { NOTIFICATION_CONFIG, NotificationConfig } from '../notification.config';
import { ALERT_TABLES, alertRowOf, NOTIFICATION_READ_MODEL, projectAlert } from './alert.projection';
import { cancelPendingDeliveries, openAlertsOfOrder, writeAlertRows } from './alert-rows.repository';

export interface AlertContextIds {
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: Actor;
}

/** Alerts read together (loadMany): each one's state by alert id, and the streams as read, by stream id. */
export interface LoadedAlerts {
  readonly states: ReadonlyMap<string, AlertState>;
  readonly streams: ReadonlyMap<string, AggregatedStream<AlertState, AlertEvent>>;
}

export interface AlertOutcome {
  readonly state: AlertState;
  readonly events: readonly AlertEvent[];
}

const commandOn = (alertId: string, workOrderId: string, command: AlertCommand, ids: AlertContextIds) => ({
  streamId: alertStream(alertId),
  command: () => command,
  metadata: {
    workOrderId,
    correlationId: ids.correlationId,
    causationId: ids.causationId,
    actor: ids.actor,
    producer: 'notification',
  },
});

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

// Alert ids are stream names: a changed id would raise an alert raised before a second time. They keep the layout
// they were first made with, a SHA-256 of the text below and the identity (docs/adr/0018-one-decider-kernel.md).
const ALERT_IDS: IdNamespace = { bytes: Buffer.from('closeloop:alert:', 'utf8'), hash: 'sha256' };

/** A name-based UUID of the identity, so every instance derives the same id without asking. */
export const alertIdFor = (identity: AlertIdentity): string =>
  nameBasedUuid(ALERT_IDS, `${identity.workOrderId}:${identity.target ?? 'order'}:${identity.level}:${identity.round}`);

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

  /** withAlertLock for many alerts at once (a batch of sends), on one connection. */
  withAlertLocks<T>(alertIds: readonly string[], work: () => Promise<T>): Promise<T> {
    return this.locks.withLocks(ALERT_LOCK_SPACE, alertIds, work);
  }

  /** Decides, one alert at a time per site, whether an alert is paged on its own or held for a storm digest. */
  withSiteStormLock<T>(siteId: string, work: () => Promise<T>): Promise<T> {
    return this.locks.withLock(STORM_LOCK_SPACE, siteId, work);
  }

  load(alertId: string): Promise<AggregatedStream<AlertState, AlertEvent>> {
    return aggregateStream(this.store, alertStream(alertId), alertDecider);
  }

  /** Several alerts, read in one call: their states, and their streams as read for executeMany to decide on. */
  async loadMany(alertIds: readonly string[]): Promise<LoadedAlerts> {
    const streams = await aggregateStreams(this.store, alertIds.map(alertStream), alertDecider);
    return {
      states: new Map(alertIds.map((id) => [id, streams.get(alertStream(id))?.state ?? alertDecider.initialState()])),
      streams,
    };
  }

  async find(alertId: string): Promise<Exclude<AlertState, { status: 'none' }>> {
    const { state } = await this.load(alertId);
    if (state.status === 'none') throw new NotFoundError('Alert', alertId);
    return state;
  }

  /** Decide on the alert's current state and append; callers that must not race a send hold the alert's lock. */
  async execute(
    alertId: string,
    workOrderId: string,
    command: AlertCommand,
    ids: AlertContextIds,
  ): Promise<AlertOutcome> {
    const { state, events } = await handleCommand(
      this.store,
      alertDecider,
      commandOn(alertId, workOrderId, command, ids),
    );
    if (events.length > 0) await this.project(state);
    return { state, events };
  }

  /**
   * Decides each command on its own alert and appends them all at once (one read, one multi-stream append; ADR
   * 37), without projecting: for raising alerts, whose streams nobody else writes before they exist, and for a
   * batch of sends, which holds its alerts' locks and passes the alerts it loaded under them (`loaded`), so they
   * are not read again. The alerts must be distinct; outcomes come in the order asked.
   */
  async executeMany(
    requests: readonly { alertId: string; workOrderId: string; command: AlertCommand; ids: AlertContextIds }[],
    loaded?: LoadedAlerts,
  ): Promise<CommandOutcome<AlertState, AlertEvent>[]> {
    if (requests.length === 0) return [];
    return handleCommands(
      this.store,
      alertDecider,
      requests.map((r) => commandOn(r.alertId, r.workOrderId, r.command, r.ids)),
      loaded?.streams,
    );
  }

  /**
   * The rows of many alerts in one statement. `raised`: the alerts were just raised (their streams' first events),
   * so a row written meanwhile is from a later state and stays; else each row is written from the state given, which
   * the caller took under the alerts' locks.
   */
  async projectMany(states: readonly AlertState[], raised: boolean): Promise<void> {
    const rows = states.flatMap((s) => (s.status === 'none' ? [] : [alertRowOf(s)]));
    if (rows.length === 0) return;
    await inTransaction(this.pool, async (client) => {
      await lockReadModelShared(client, NOTIFICATION_READ_MODEL);
      await writeAlertRows(client, ALERT_TABLES.alerts, rows, raised ? 'keep' : 'replace');
    });
  }

  /**
   * "I've got it", by API or one-time link, for one alert or for each alert a storm digest lists: under the alert's
   * lock, so it is decided after a send in flight and before the next.
   */
  acknowledge(
    alertId: string,
    by: StaffMemberRef,
    via: 'api' | 'link',
    at: Date,
    correlationId: string,
    mayAcknowledge: (state: AlertState) => boolean,
  ): Promise<AlertOutcome> {
    return this.withAlertLock(alertId, async () => {
      const current = await this.find(alertId);
      if (!mayAcknowledge(current))
        throw new ForbiddenError(`Alert ${alertId} is not addressed to ${by.staffId}`, 'ALERT_NOT_ADDRESSED_TO_YOU');
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
      if (state.status !== 'open') await cancelPendingDeliveries(client, state.alertId);
    });
  }

  async openAlertsOf(workOrderId: string): Promise<{ alertId: string; target: string | null }[]> {
    return openAlertsOfOrder(this.pool, workOrderId);
  }
}
