import {
  carriesAttributeHeaders,
  CloseloopError,
  CloudEvent,
  CloudEventBindings,
  CloudEventReading,
  MessageHeaders,
  readBinaryCloudEvent,
  readCloudEvent,
  ValidationError,
} from '@closeloop/contracts';
import { inTransaction } from '@closeloop/database';
import {
  Admin,
  Consumer,
  EachBatchPayload,
  EachMessagePayload,
  IHeaders,
  Kafka,
  KafkaJSError,
  KafkaMessage,
  Producer,
} from 'kafkajs';
import { Pool, PoolClient } from 'pg';
import { DeadLetter, sendToDeadLetter } from './dead-letter';
import { OperatorLogs, scrubbedLogs } from './operator-logs';
import { ParkedMessages } from './parked-messages.repository';

export interface InboundCloudEvent {
  readonly event: CloudEvent;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
}

/** `alert` is where a record parked in PostgreSQL is told. */
export interface EventConsumerOptions extends OperatorLogs {
  readonly kafka: Kafka;
  /** Used for dead letters; shared with the service's other producing code. */
  readonly producer: Producer;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Handles a record; resolving to SKIPPED says it was not for this service (counted as skipped, not handled). */
  readonly handle: (message: InboundCloudEvent) => Promise<void | typeof SKIPPED>;
  /**
   * Handles a partition's records a batch at a time, in one PostgreSQL transaction each, the offsets committed only
   * after it (docs/adr/0036-batch-consumers.md). A batch that fails is rolled back whole and its records go through
   * `handle`, one by one, under the failure policy below. Absent, every record goes through `handle` alone.
   */
  readonly batches?: TransactionalBatches;
  /**
   * Where a record goes when even its dead letter cannot be sent (the dead letter's headers push a record close
   * to the broker's size limit over it): PostgreSQL, so the partition moves on and nothing is dropped.
   */
  readonly parkedMessages: ParkedMessages;
  /** Attempts for a failure that may pass (database or broker trouble) before the message is dead-lettered. */
  readonly maxAttempts?: number;
  readonly retryBaseMillis?: number;
  /**
   * Partitions handled side by side in one instance (each partition still strictly in order, so one order's events
   * never overtake each other). Handlers wait on the database and the broker, so a few in parallel keep a
   * two-core instance busy where one at a time left it idle.
   */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * How fast the group notices a dead member (docs/adr/0014-fast-recovery.md). kafkajs heartbeats only between
   * fetches, so an idle consumer's fetch waits at most one heartbeat interval.
   */
  readonly timing?: ConsumerTiming;
  /** How long to wait before replacing a consumer that kafkajs gave up on. */
  readonly restartDelayMillis?: number;
  /** Told what happens to each record and to the group membership (metrics, readiness, log context). */
  readonly observer?: ConsumerObserver;
}

/** A partition batch's PostgreSQL transaction, as the handlers of its records see it. */
export interface ConsumerTransaction {
  readonly client: PoolClient;
  /**
   * What the handlers gather record by record and write once, after the batch's last record and before COMMIT (the
   * orders a projection folds): the value kept under `key`, made by `start` when first asked for.
   */
  gather<T>(key: string, start: () => T, write: (gathered: T) => Promise<void>): T;
  /**
   * Work to run once the transaction has committed, before the offsets: what waits on other connections that may
   * wait on this transaction's locks (PostgreSQL sees no such cycle, so nothing would break it). A failure there hands
   * the run to the one-by-one path with the transaction's writes committed, so `work` and the handlers must find
   * them without harm (idempotent by event id, as every consumer is).
   */
  afterCommit(work: () => Promise<void>): void;
}

export interface TransactionalBatches {
  readonly pool: Pool;
  /** Whether a record's handling can join its batch's transaction; one that cannot is handled alone, in its place. */
  joins(message: InboundCloudEvent): boolean;
  /**
   * Whether a record that joins is one no handler wants (counted as skipped): such records need no transaction, so a
   * run of nothing else opens none, and in a run with others they are not handed to `handle`. Without it, every
   * record of a run goes through `handle` in the transaction.
   */
  skips?(message: InboundCloudEvent): boolean;
  /** Handles one record inside its batch's transaction: its writes commit with the rest of the batch, or none do. */
  handle(message: InboundCloudEvent, transaction: ConsumerTransaction): Promise<void | typeof SKIPPED>;
  /** Records per transaction at most: kafkajs' batches are cut into runs this long, with a heartbeat between them. */
  readonly maxRecords?: number;
}

const DEFAULT_MAX_BATCH_RECORDS = 500;

/**
 * Runs a batch's handling in one transaction: `work`, then what its handlers gathered, then COMMIT, then what they
 * asked to run after it; ROLLBACK and the error if any of the transaction's part fails, the error if the rest does.
 */
export const inConsumerTransaction = async (
  pool: Pool,
  work: (transaction: ConsumerTransaction) => Promise<void>,
): Promise<void> => {
  const afterwards: (() => Promise<void>)[] = [];
  await inTransaction(pool, async (client) => {
    const gathered = new Map<string, { value: unknown; write: (value: unknown) => Promise<void> }>();
    await work({
      client,
      gather: <T>(key: string, start: () => T, write: (value: T) => Promise<void>): T => {
        let entry = gathered.get(key);
        if (!entry) gathered.set(key, (entry = { value: start(), write: write as (value: unknown) => Promise<void> }));
        return entry.value as T;
      },
      afterCommit: (later) => afterwards.push(later),
    });
    for (const { value, write } of gathered.values()) await write(value);
  });
  for (const later of afterwards) await later();
};

/** What happened to one record: handled, skipped (no handler wants its type), dead-lettered, or an attempt failed (and is retried). */
export type ConsumedOutcome = 'handled' | 'skipped' | 'dead-lettered' | 'failed';

/** The value a handler returns for a record it chose not to handle (a type nobody here consumes). */
export const SKIPPED = 'skipped';

export interface ConsumerObserver {
  /** Each record's outcome; `type` is the CloudEvent type, or 'unknown' for a record that is not a CloudEvent. */
  consumed?(topic: string, type: string, outcome: ConsumedOutcome): void;
  /** Runs the handling of a record, so that what it does (logs, spans) can be tied to the event. */
  handling?<T>(message: InboundCloudEvent, work: () => Promise<T>): Promise<T>;
}

/** A partition's records not yet consumed by the group: its high watermark minus the group's committed offset. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

export interface ConsumerTiming {
  readonly sessionTimeout: number;
  readonly heartbeatInterval: number;
  readonly rebalanceTimeout: number;
}

/** The defaults of libs/config's KAFKA_SESSION_TIMEOUT_MS, KAFKA_HEARTBEAT_INTERVAL_MS and KAFKA_REBALANCE_TIMEOUT_MS. */
export const defaultConsumerTiming: ConsumerTiming = {
  sessionTimeout: 6_000,
  heartbeatInterval: 1_000,
  rebalanceTimeout: 30_000,
};

/**
 * Errors that will fail the same way every time: retrying them only delays the partition. A version conflict
 * ('concurrency') and a server that did not answer ('unavailable') may pass on a retry.
 */
const isPermanent = (error: unknown): boolean =>
  error instanceof CloseloopError && error.kind !== 'concurrency' && error.kind !== 'unavailable';

// PostgreSQL refusing or ending sessions (connection exceptions, class 08; shutdown and recovery, 57P01-57P03; too
// many connections) and the socket errors of a server that went away.
const OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/**
 * A failure of the infrastructure rather than of the message: the database restarting, say. Every message would fail
 * alike, so dead-lettering them would empty the partition into the dead-letter topic; such failures are retried
 * until the outage ends, the partition waiting in order (the session stays alive: the retry loop heartbeats).
 */
const isOutage = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (OUTAGE_CODES.has(code) || code.startsWith('08'))) return true;
  return (
    error instanceof Error &&
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(error.message)
  );
};

const OUTAGE_RETRY_MAX_MILLIS = 5_000;

/** The reason a dead letter carries: the message, and for a validation failure every field named. */
const describe = (error: unknown): string => {
  if (error instanceof ValidationError && error.issues.length > 0) {
    return `${error.message}: ${error.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`;
  }
  return error instanceof Error ? error.message : String(error);
};

/** The stable code of the log line for a record parked in PostgreSQL, for log-based alerting. */
export const MESSAGE_PARKED = 'CONSUMER_MESSAGE_PARKED';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Consumes CloudEvents with an explicit failure policy: a message that is not a valid CloudEvent, or whose
 * handling fails permanently, goes to the dead-letter topic at once; a transient failure is retried with
 * exponential backoff a bounded number of times and then dead-lettered. The handler never throws into
 * kafkajs, so one bad message cannot stall its partition or make others reprocess. Delivery is at least once:
 * handlers must be idempotent.
 */
export class CloudEventConsumer {
  private consumer: Consumer | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly maxAttempts: number;
  private readonly retryBaseMillis: number;
  private readonly timing: ConsumerTiming;
  private readonly log: (message: string) => void;
  private readonly alert: (message: string) => void;
  /** The partitions the group gave this member at its last join; empty while it is not a member. */
  private assignment: Readonly<Record<string, readonly number[]>> = {};
  private member = false;
  private admin: Admin | undefined;

  constructor(private readonly options: EventConsumerOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseMillis = options.retryBaseMillis ?? 200;
    this.timing = options.timing ?? defaultConsumerTiming;
    // Reasons quote what a message held (JSON.parse shows the text it choked on, zod the values it refused).
    const logs = scrubbedLogs(options);
    this.log = logs.log;
    this.alert = logs.alert;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.connectAndRun();
  }

  /** Finishes the message in hand, commits the offsets and leaves the group (LeaveGroup), so others take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.consumer?.disconnect();
    this.member = false;
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  /** Whether this consumer is a member of its group, with its partitions assigned (readiness). */
  joined(): boolean {
    return this.member;
  }

  /**
   * The lag of each partition assigned to this member: the topic's high watermark minus the group's committed offset
   * (the low watermark when the group has committed none). Asked of the broker, so a consumer stuck on a record shows
   * its lag growing.
   */
  async lag(): Promise<PartitionLag[]> {
    const topics = Object.keys(this.assignment);
    if (!this.member || topics.length === 0) return [];
    if (!this.admin) {
      const admin = this.options.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const admin = this.admin;
    const committed = await admin.fetchOffsets({ groupId: this.options.groupId, topics });
    const lags: PartitionLag[] = [];
    for (const topic of topics) {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o]));
      const offsets = new Map(
        (committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
      );
      for (const partition of this.assignment[topic] ?? []) {
        const end = ends.get(partition);
        if (!end) continue;
        const high = Number(end.high);
        const done = offsets.get(partition) ?? -1;
        const from = done >= 0 ? done : Number(end.low);
        lags.push({ topic, partition, lag: Math.max(0, high - from) });
      }
    }
    return lags;
  }

  private async connectAndRun(): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      ...this.timing,
      maxWaitTimeInMs: this.timing.heartbeatInterval,
    });
    this.consumer = consumer;
    // kafkajs restarts its consumer after a retriable crash (a broker that went away, a coordinator that moved) but
    // gives up on any other, leaving a process that serves HTTP and consumes nothing; such a consumer is replaced.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.member = false;
      if (!payload.restart) this.replaceLater(consumer, payload.error);
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (consumer !== this.consumer) return;
      this.assignment = payload.memberAssignment;
      this.member = true;
    });
    for (const left of [consumer.events.STOP, consumer.events.DISCONNECT])
      consumer.on(left, () => {
        if (consumer === this.consumer) this.member = false;
      });
    await consumer.connect();
    // A new group starts at the beginning, so nothing published before the first deployment is missed.
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    // Safe with several partitions at once because process() never throws into kafkajs (tulios/kafkajs#945).
    const partitionsConsumedConcurrently = this.options.partitionsConsumedConcurrently ?? 3;
    const batches = this.options.batches;
    if (batches)
      await consumer.run({
        partitionsConsumedConcurrently,
        // Offsets are resolved by hand, each run's once its transaction has committed, and committed at once.
        eachBatchAutoResolve: false,
        autoCommitThreshold: 1,
        eachBatch: (payload) => this.processBatch(payload, batches),
      });
    else await consumer.run({ partitionsConsumedConcurrently, eachMessage: (payload) => this.process(payload) });
  }

  private replaceLater(crashed: Consumer, error: Error): void {
    if (this.stopped || crashed !== this.consumer) return;
    const delay = this.options.restartDelayMillis ?? 5_000;
    this.log(
      `consumer of ${this.options.groupId} crashed and kafkajs will not restart it (${error.message}); starting a new one in ${delay} ms`,
    );
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      crashed
        .disconnect()
        .catch(() => undefined)
        .then(() => (this.stopped ? undefined : this.connectAndRun()))
        .catch((failure: Error) => this.replaceLater(this.consumer as Consumer, failure));
    }, delay);
  }

  /**
   * A partition's batch, in order: runs of records that join a transaction are handled in one each; a record that
   * does not (it is no CloudEvent, or its handler works on its own) is handled alone in its place. After each run
   * or record, its offsets are committed and the group heartbeat sent.
   */
  private async processBatch(
    { batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }: EachBatchPayload,
    batches: TransactionalBatches,
  ): Promise<void> {
    const { topic, partition } = batch;
    const maxRecords = batches.maxRecords ?? DEFAULT_MAX_BATCH_RECORDS;
    const done = async (message: KafkaMessage) => {
      resolveOffset(message.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    };
    const alone = async (message: KafkaMessage) => {
      await this.process({ topic, partition, message, heartbeat });
      await done(message);
    };
    let run: { message: KafkaMessage; inbound: InboundCloudEvent }[] = [];
    const handleRun = async () => {
      const records = run;
      run = [];
      const last = records[records.length - 1];
      if (!last) return;
      if (!(await this.handleInTransaction(records, batches, heartbeat))) {
        for (const { message } of records) await alone(message);
        return;
      }
      await done(last.message);
    };
    for (const message of batch.messages) {
      // A consumer stopping, or a partition moved or sought, leaves the rest uncommitted for whoever fetches it next.
      if (!isRunning() || isStale()) return;
      const parsed = parseCloudEvent(message.value, message.headers);
      const inbound = parsed.ok ? inboundOf(topic, partition, message, parsed.event) : undefined;
      if (inbound && batches.joins(inbound)) {
        run.push({ message, inbound });
        if (run.length >= maxRecords) await handleRun();
        continue;
      }
      await handleRun();
      await alone(message);
    }
    if (isRunning() && !isStale()) await handleRun();
  }

  /**
   * Handles a run of records in one transaction and counts their outcomes once it has committed; false, with nothing
   * of it left behind and nothing counted, when it failed.
   */
  private async handleInTransaction(
    records: readonly { inbound: InboundCloudEvent }[],
    batches: TransactionalBatches,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const outcomes: ConsumedOutcome[] = [];
    const skipped = records.map(({ inbound }) => batches.skips?.(inbound) ?? false);
    const handleAll = async (transaction: ConsumerTransaction | undefined) => {
      for (const [i, { inbound }] of records.entries()) {
        if (skipped[i] || !transaction) {
          outcomes.push('skipped');
          continue;
        }
        const outcome = await this.observed(inbound, () => batches.handle(inbound, transaction));
        outcomes.push(outcome === SKIPPED ? 'skipped' : 'handled');
        // As eachMessage does between records: a long batch keeps the session alive (sent once per interval).
        await heartbeat();
      }
    };
    try {
      // A run of records no handler wants (most of the event topic, for a service that acts on a few types) costs
      // no transaction.
      if (skipped.every(Boolean)) await handleAll(undefined);
      else await inConsumerTransaction(batches.pool, handleAll);
    } catch (error) {
      // The group is rebalancing or this member was fenced: the batch is rolled back and left to the next owner.
      if (error instanceof KafkaJSError) throw error;
      const [first, last] = [records[0]?.inbound, records[records.length - 1]?.inbound];
      this.log(
        `a batch of ${records.length} records of ${first?.topic}[${first?.partition}]@${first?.offset}..${last?.offset} was rolled back (${(error as Error).message}); handling them one by one`,
      );
      return false;
    }
    records.forEach(({ inbound }, i) =>
      this.options.observer?.consumed?.(inbound.topic, inbound.event.type, outcomes[i] as ConsumedOutcome),
    );
    return true;
  }

  /** Runs a record's handling through the observer's hook, when it has one. */
  private observed<T>(inbound: InboundCloudEvent, work: () => Promise<T>): Promise<T> {
    const handling = this.options.observer?.handling;
    return handling ? handling(inbound, work) : work();
  }

  private async process({
    topic,
    partition,
    message,
    heartbeat,
  }: Pick<EachMessagePayload, 'topic' | 'partition' | 'message' | 'heartbeat'>): Promise<void> {
    let type = 'unknown';
    const count = (outcome: ConsumedOutcome) => this.options.observer?.consumed?.(topic, type, outcome);
    const deadLetter = async (errorCode: string, reason: string, attempts: number) => {
      this.log(`dead-lettering ${topic}[${partition}]@${message.offset}: ${errorCode} ${reason}`);
      const letter: DeadLetter = {
        topic,
        partition,
        message,
        groupId: this.options.groupId,
        errorCode,
        reason,
        attempts,
        now: new Date(),
      };
      try {
        await sendToDeadLetter(this.options.producer, letter);
      } catch (error) {
        // Parked instead. Should PostgreSQL fail too, the dead letter's own error reaches kafkajs, as it did before
        // parking existed: the record is tried again (by kafkajs, or by the consumer that replaces a crashed one).
        const why = `${(error as { type?: string }).type ?? 'DEAD_LETTER_FAILED'}: ${(error as Error).message}`;
        try {
          await this.options.parkedMessages.park(letter, why);
        } catch (parkFailure) {
          this.alert(
            `${topic}[${partition}]@${message.offset} could neither be dead-lettered (${why}) nor parked (${(parkFailure as Error).message}); it will be tried again`,
          );
          throw error;
        }
        this.alert(
          `${MESSAGE_PARKED} ${topic}[${partition}]@${message.offset} could not be dead-lettered (${why}); parked in consumer_parked_messages`,
        );
      }
      count('dead-lettered');
    };

    const parsed = parseCloudEvent(message.value, message.headers);
    if (!parsed.ok) return deadLetter('MALFORMED_CLOUDEVENT', parsed.reason, 1);

    const inbound = inboundOf(topic, partition, message, parsed.event);
    type = parsed.event.type;
    const handle = () => this.observed(inbound, () => this.options.handle(inbound));
    for (let attempt = 1, outages = 0; ; attempt++) {
      try {
        count((await handle()) === SKIPPED ? 'skipped' : 'handled');
        return;
      } catch (error) {
        const code = error instanceof CloseloopError ? error.code : 'HANDLER_FAILED';
        if (isPermanent(error)) return deadLetter(code, describe(error), attempt);
        count('failed');
        if (isOutage(error)) {
          // Thrown into kafkajs only when stopping: the offset stays uncommitted and the next owner handles the message.
          if (this.stopped) throw error;
          outages++;
          attempt--; // an outage does not count against the message
          if (outages === 1 || outages % 10 === 0)
            this.log(
              `${topic}[${partition}]@${message.offset} waits for the infrastructure (${outages} tries): ${(error as Error).message}`,
            );
          await sleep(Math.min(OUTAGE_RETRY_MAX_MILLIS, this.retryBaseMillis * 2 ** Math.min(outages - 1, 10)));
          await heartbeat();
          continue;
        }
        if (attempt >= this.maxAttempts) return deadLetter('RETRIES_EXHAUSTED', `${code}: ${describe(error)}`, attempt);
        this.log(
          `attempt ${attempt} for ${topic}[${partition}]@${message.offset} failed, retrying: ${(error as Error).message}`,
        );
        await sleep(this.retryBaseMillis * 2 ** (attempt - 1));
        await heartbeat();
      }
    }
  }
}

const inboundOf = (topic: string, partition: number, message: KafkaMessage, event: CloudEvent): InboundCloudEvent => ({
  event,
  topic,
  partition,
  offset: message.offset,
  key: message.key?.toString(),
});

/** Kafka headers as text: a header a producer repeated stays a list, for the reader to refuse. */
const headerTexts = (headers: IHeaders): MessageHeaders =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map((v) => v.toString()) : value?.toString(),
    ]),
  );

/**
 * A record as a CloudEvent, in either content mode of the Kafka binding (3.1): structured when its content-type
 * header is a CloudEvents type or it has no `ce_` headers (what producers sent before binary mode was read), else
 * binary, the attributes in `ce_` headers and the value the JSON data.
 */
export const parseCloudEvent = (
  value: Buffer | null,
  headers: IHeaders = {},
): { ok: true; event: CloudEvent } | { ok: false; reason: string } => {
  const texts = headerTexts(headers);
  const contentType = texts['content-type'];
  const binary =
    !(typeof contentType === 'string' && /^application\/cloudevents/i.test(contentType)) &&
    carriesAttributeHeaders(CloudEventBindings.kafka, texts);
  if (value === null && !binary) return { ok: false, reason: 'empty message (tombstone)' };
  let json: unknown;
  try {
    json = value === null ? undefined : JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `${binary ? 'data is ' : ''}not JSON: ${(error as Error).message}` };
  }
  const reading: CloudEventReading = binary
    ? readBinaryCloudEvent(CloudEventBindings.kafka, texts, json)
    : readCloudEvent(json);
  if (!reading.ok) return { ok: false, reason: reading.issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
  return { ok: true, event: reading.event };
};
