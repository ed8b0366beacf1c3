import { AUDIT_ANCHOR_STREAM_PREFIX } from '@closeloop/contracts';
import { endListeningSession, WakeableLoop } from '@closeloop/database';
import { APPEND_NOTIFICATION_CHANNEL, EventStore, RecordedEvent } from '@closeloop/event-store';
import { Message, Producer } from 'kafkajs';
import { Pool, PoolClient } from 'pg';
import { tracePublishing } from './message-tracing';
import { OperatorLogs, scrubbedLogs } from './operator-logs';
import { recordRefusalOf, toKafkaMessage } from './published-event';
import { Parking, relayNameOf, RelayStateRepository } from './relay-state.repository';

/** `alert` is where an event parked, and parked events still waiting, are told. */
export interface RelayOptions extends OperatorLogs {
  readonly pool: Pool;
  readonly store: EventStore;
  readonly producer: Producer;
  readonly topic: string;
  /** Names the checkpoint, the leadership lock and the parked events; one relay per (store, topic). */
  readonly name?: string;
  readonly batchSize?: number;
  /** Longest sleep between reads when no append notification arrives. */
  readonly idleMillis?: number;
  /** How often a standby tries to take the lead: the longest a leader's death goes unnoticed. */
  readonly standbyMillis?: number;
  /** How often, while events wait parked, the relay repeats its alert with their number. */
  readonly parkedReminderMillis?: number;
  /** Told of every event the broker acknowledged (metrics: events published, commit-to-publish lag). */
  readonly observer?: RelayObserver;
}

export interface RelayObserver {
  published?(topic: string, events: readonly RecordedEvent[], acknowledgedAt: Date): void;
}

/** The stable code of the relay's alert lines, for log-based alerting. */
export const RELAY_EVENT_PARKED = 'RELAY_EVENT_PARKED';

/** An event that cannot become a Kafka record at all (its metadata does not validate, say). */
const UNMAPPABLE = 'UNMAPPABLE_EVENT';
const HELD = 'HELD_BEHIND_PARKED_EVENT';

type SendOutcome = { readonly ok: true } | { readonly ok: false; readonly errorCode: string; readonly reason: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The first wait after a read that found nothing, doubling on each empty read up to the idle wait. */
const ACTIVE_POLL_MILLIS = 10;

/**
 * Publishes committed events to Kafka in commit order, at least once: it publishes a batch, waits for the
 * broker's acknowledgement, then moves its durable checkpoint. A crash between the two republishes the batch,
 * which consumers absorb by event id. Every service instance that writes events runs one; a PostgreSQL
 * advisory lock lets exactly one of them lead, and another takes over when the leader's session ends.
 *
 * A poison event never stops it (docs/adr/0013-parking-poison-messages.md): an event that cannot be mapped to a
 * record, or that the broker refuses for what it is (too large), is parked with its reason and the relay moves
 * on. Its stream's later events are parked behind it, so one order's events never go out of order, until an
 * operator retries or skips it; then the relay publishes them in stream order. A broker that does not answer is
 * not a poison event: the relay waits for it, parking nothing.
 */
export class EventRelay {
  private readonly loop = new WakeableLoop(() => this.run());
  private leaderClient: PoolClient | undefined;
  private leadershipLost = false;
  private readonly name: string;
  private readonly batchSize: number;
  private readonly idleMillis: number;
  private readonly standbyMillis: number;
  private readonly log: (message: string) => void;
  private readonly alert: (message: string) => void;
  private readonly state: RelayStateRepository;
  private readonly parkedReminderMillis: number;
  private lastReminder = 0;
  /**
   * Whether relay_parked_events may hold unresolved events of this relay. Only the leader parks, and operators only
   * resolve, so once a look finds none the leader can skip the parking queries until it parks something itself:
   * the common case costs no query at all.
   */
  private mayHaveParked = true;

  constructor(private readonly options: RelayOptions) {
    this.name = options.name ?? relayNameOf(options.topic);
    this.batchSize = options.batchSize ?? 500;
    this.idleMillis = options.idleMillis ?? 250;
    this.parkedReminderMillis = options.parkedReminderMillis ?? 60_000;
    this.state = new RelayStateRepository(options.pool, this.name);
    this.standbyMillis = options.standbyMillis ?? 1_000;
    const logs = scrubbedLogs(options);
    this.log = logs.log;
    this.alert = logs.alert;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async run(): Promise<void> {
    while (this.loop.running) {
      try {
        if (await this.becomeLeader()) await this.publishWhileLeader();
        else await this.loop.sleep(this.standbyMillis);
      } catch (error) {
        this.log(`relay ${this.name} failed, retrying in 1s: ${(error as Error).message}`);
        await this.releaseLeadership();
        await sleep(1_000);
      }
    }
    await this.releaseLeadership();
  }

  private async becomeLeader(): Promise<boolean> {
    const client = await this.options.pool.connect();
    const { rows } = await client.query<{ leader: boolean }>(
      'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS leader',
      [this.name],
    );
    if (!rows[0]?.leader) {
      client.release();
      return false;
    }
    this.leaderClient = client;
    this.leadershipLost = false;
    client.on('notification', () => this.loop.wake());
    // Losing the session loses the lock: stop publishing at once, since another instance may now lead.
    client.on('error', () => {
      this.leadershipLost = true;
      this.loop.wake();
    });
    await client.query(`LISTEN ${APPEND_NOTIFICATION_CHANNEL}`);
    this.log(`relay ${this.name} is leading`);
    return true;
  }

  private async releaseLeadership(): Promise<void> {
    const client = this.leaderClient;
    this.leaderClient = undefined;
    // Closing the session drops both the lock and the LISTEN.
    if (client) endListeningSession(client);
  }

  private async publishWhileLeader(): Promise<void> {
    let checkpoint = await this.options.store.readCheckpoint(this.name);
    let quietReads = 0;
    // A new leader does not know what an earlier one parked.
    this.mayHaveParked = true;
    this.lastReminder = 0;
    while (this.loop.running) {
      if (this.leadershipLost) throw new Error('lost the leadership session');
      if (this.mayHaveParked) {
        await this.releaseResolvedStreams();
        await this.remindOfParkedEvents();
      }
      const events = await this.options.store.readAll(checkpoint, this.batchSize);
      if (events.length === 0) {
        // Just after events, look again soon: of appends committing at the same moment only one wakes the relay
        // (migration 0039), so a straggler is found by polling, within tens of milliseconds, not the idle wait.
        await this.loop.sleep(Math.min(this.idleMillis, ACTIVE_POLL_MILLIS * 2 ** quietReads));
        quietReads += 1;
        continue;
      }
      quietReads = 0;
      // Audit anchors are about the store, not an order (docs/adr/0033-tamper-evident-event-chain.md): not published.
      const published = events.filter((e) => !e.streamId.startsWith(AUDIT_ANCHOR_STREAM_PREFIX));
      const parked = published.length === 0 ? [] : await this.publishBatch(published);
      checkpoint = events[events.length - 1]?.checkpoint as string;
      // Parked before the checkpoint moves: a crash in between reads the batch again instead of losing a parked event.
      await this.state.park(parked);
      await this.options.store.storeCheckpoint(this.name, checkpoint);
      if (parked.length > 0) this.mayHaveParked = true;
      for (const p of parked) this.reportParked(p);
    }
  }

  /**
   * Publishes a batch, returning what it parked. Events of a stream that is blocked (already, or by an event of
   * this batch that fails) are held back; the rest go out in one request, or, when the broker refuses that request
   * for a record in it, one by one so that only the offending records are set aside.
   */
  private async publishBatch(events: readonly RecordedEvent[]): Promise<Parking[]> {
    // Per stream, the parked event its later events wait behind: from earlier batches, or the first event of this
    // batch that failed. A batch read again after a crash between parking and the checkpoint finds its own parked
    // events here: the events before them go out again (consumers drop them by id), the ones after stay held.
    const blocked = new Map<string, { eventId: string; streamVersion: number }>();
    if (this.mayHaveParked) {
      for (const [streamId, blocker] of await this.state.blockedStreams(events.map((e) => e.streamId)))
        blocked.set(streamId, blocker);
    }
    const blockerOf = (event: RecordedEvent) => {
      const blocker = blocked.get(event.streamId);
      return blocker && blocker.streamVersion < event.streamVersion ? blocker.eventId : undefined;
    };
    const block = (event: RecordedEvent) => {
      if (!blocked.has(event.streamId))
        blocked.set(event.streamId, { eventId: event.eventId, streamVersion: event.streamVersion });
    };
    const parked: Parking[] = [];
    const ready: { event: RecordedEvent; message: Message }[] = [];
    for (const event of events) {
      const blocker = blockerOf(event);
      if (blocker) {
        parked.push(heldBehind(event, blocker));
        continue;
      }
      const mapped = mapEvent(event);
      if ('message' in mapped) ready.push({ event, message: mapped.message });
      else {
        parked.push({ event, errorCode: UNMAPPABLE, reason: mapped.reason });
        block(event);
      }
    }
    if (ready.length === 0) return parked;
    const whole = await this.send(
      ready.map((r) => r.message),
      ready.map((r) => r.event),
    );
    if (whole.ok) return parked;
    this.log(
      `relay ${this.name}: the broker refused a batch of ${ready.length} (${whole.errorCode}), sending its events one by one`,
    );
    // An event sent alone may come earlier in its stream than an unmappable one parked above (only the events
    // after a blocker wait behind it); if it fails, it becomes its stream's blocker, the earliest one.
    for (const { event, message } of ready) {
      const blocker = blockerOf(event);
      if (blocker) {
        parked.push(heldBehind(event, blocker));
        continue;
      }
      const one = await this.send([message], [event]);
      if (one.ok) continue;
      parked.push({ event, errorCode: one.errorCode, reason: one.reason });
      blocked.set(event.streamId, { eventId: event.eventId, streamVersion: event.streamVersion });
    }
    return parked;
  }

  /** Sends records and waits for the broker; a refusal of a record is an outcome, any other failure throws (and is retried). */
  private async send(messages: Message[], events: readonly RecordedEvent[]): Promise<SendOutcome> {
    try {
      const { topic } = this.options;
      await tracePublishing(topic, events, () => this.options.producer.send({ topic, acks: -1, messages }));
      this.options.observer?.published?.(this.options.topic, events, new Date());
      return { ok: true };
    } catch (error) {
      const refusal = recordRefusalOf(error);
      if (!refusal) throw error;
      return { ok: false, errorCode: refusal, reason: (error as Error).message };
    }
  }

  /**
   * Publishes what an operator released: for each stream whose first parked event was retried, or whose blocking
   * event was resolved, its parked events in stream order, stopping at the first that fails again.
   */
  private async releaseResolvedStreams(): Promise<void> {
    for (const streamId of await this.state.resumableStreams()) {
      const waiting = await this.state.unresolvedOf(streamId);
      const stored = new Map((await this.options.store.readStream(streamId)).map((e) => [e.eventId, e]));
      for (const parked of waiting) {
        // Failed on its own and not (yet) retried by an operator: the stream waits for them.
        if (parked.status === 'parked' && parked.heldBehind === null) break;
        const event = stored.get(parked.eventId);
        const outcome: SendOutcome = !event
          ? {
              ok: false,
              errorCode: 'EVENT_NOT_FOUND',
              reason: `event ${parked.eventId} is no longer in stream ${streamId}`,
            }
          : await this.publishParked(event);
        if (outcome.ok) {
          await this.state.markPublished(parked.eventId);
          this.log(`relay ${this.name} published parked event ${parked.eventId} (${parked.eventType}, ${streamId})`);
          continue;
        }
        await this.state.parkAgain(parked, outcome.errorCode, outcome.reason);
        this.alert(
          `${RELAY_EVENT_PARKED} relay ${this.name} could not publish parked event ${parked.eventId} (${parked.eventType}, stream ${streamId}) again: ${outcome.errorCode} ${outcome.reason}`,
        );
        break;
      }
    }
  }

  private publishParked(event: RecordedEvent): Promise<SendOutcome> {
    const mapped = mapEvent(event);
    return 'message' in mapped
      ? this.send([mapped.message], [event])
      : Promise.resolve({ ok: false, errorCode: UNMAPPABLE, reason: mapped.reason });
  }

  private reportParked(parking: Parking): void {
    const { event } = parking;
    const what = `${event.eventId} (${event.type}, stream ${event.streamId} v${event.streamVersion}, position ${event.globalPosition})`;
    if (parking.heldBehind)
      this.log(`relay ${this.name} held back event ${what} behind parked event ${parking.heldBehind}`);
    else
      this.alert(
        `${RELAY_EVENT_PARKED} relay ${this.name} parked event ${what}: ${parking.errorCode} ${parking.reason}`,
      );
  }

  /**
   * While events wait parked, says so again now and then (a parked event is an order that is not moving); and once
   * none waits, lets the loop skip the parking queries.
   */
  private async remindOfParkedEvents(): Promise<void> {
    const waiting = await this.state.countUnresolved();
    this.mayHaveParked = waiting > 0;
    if (waiting === 0 || Date.now() - this.lastReminder < this.parkedReminderMillis) return;
    this.lastReminder = Date.now();
    this.alert(
      `${RELAY_EVENT_PARKED} relay ${this.name} has ${waiting} parked event(s) waiting for an operator: npm run -s admin -- relay parked list`,
    );
  }
}

const mapEvent = (event: RecordedEvent): { message: Message } | { reason: string } => {
  try {
    return { message: toKafkaMessage(event) };
  } catch (error) {
    return { reason: (error as Error).message };
  }
};

const heldBehind = (event: RecordedEvent, blocker: string): Parking => ({
  event,
  errorCode: HELD,
  reason: `held back behind parked event ${blocker} of the same stream, to keep the stream's order`,
  heldBehind: blocker,
});
