import { ValidationError } from '@closeloop/contracts';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Kafka, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { lastValueFrom } from 'rxjs';
import {
  CloudEventConsumer,
  ConsumerObserver,
  ConsumerTiming,
  ConsumerTransaction,
  EventConsumerOptions,
  InboundCloudEvent,
  PartitionLag,
  SKIPPED,
} from './event-consumer';
import { ParkedMessages } from './parked-messages.repository';

/** Event types whose handler the transport remembers; past that, a type's handler is looked up every time. */
const MAX_REMEMBERED_TYPES = 1_000;

/** The pattern of a handler that takes every type no other handler declares (projections, inboxes). */
export const ANY_EVENT_TYPE = '*';

/**
 * The extras of an `@EventPattern` whose handler can work inside its batch's transaction: it gets the record as a
 * BatchedCloudEvent and, when `transaction` is set, writes through it alone (docs/adr/0036-batch-consumers.md).
 */
export const IN_BATCH_TRANSACTION = { inBatchTransaction: true } as const;

/** What a handler marked IN_BATCH_TRANSACTION gets: the record, and its batch's transaction unless it is handled alone. */
export interface BatchedCloudEvent extends InboundCloudEvent {
  readonly transaction?: ConsumerTransaction;
}

export interface CloudEventsTransportOptions {
  readonly kafka: Kafka;
  readonly producer: Producer;
  /** Records that can neither be handled nor dead-lettered. */
  readonly parkedMessages: ParkedMessages;
  readonly groupId: string;
  readonly topics: readonly string[];
  /**
   * What to do with a type no handler declares: the shared event topic carries many types a service ignores,
   * but on an inbound topic an unknown type is the sender's mistake and must be dead-lettered.
   */
  readonly unroutable: 'skip' | 'dead-letter';
  readonly timing?: ConsumerTiming;
  readonly log?: (message: string) => void;
  readonly alert?: (message: string) => void;
  readonly observer?: ConsumerObserver;
  /** The database of the batches' transactions, used when a handler is marked IN_BATCH_TRANSACTION. */
  readonly pool?: Pool;
}

/**
 * A Nest microservice transport over CloudEventConsumer: controllers declare `@EventPattern(<event type>)`
 * handlers, and the transport routes each CloudEvent by its `type`. It replaces Nest's built-in Kafka transport
 * so our dead-letter and retry policy applies instead of kafkajs' retry-forever default. Types no handler
 * declares are skipped: each service subscribes to the whole event topic and cares about a few types.
 */
export class CloudEventsTransport extends Server implements CustomTransportStrategy {
  private consumer: CloudEventConsumer | undefined;
  /**
   * The handler of each event type seen, asked of Nest once: its lookup tries JSON.parse on the pattern first, and
   * the exception an event type throws there cost a few per cent of a consumer's CPU when asked per record (profile,
   * docs/adr/0043-pipeline-throughput.md). The handlers are all registered before the consumer starts.
   */
  private readonly handlersByType = new Map<string, MessageHandler | null>();

  constructor(private readonly options: CloudEventsTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.consumer = new CloudEventConsumer({
        kafka: this.options.kafka,
        producer: this.options.producer,
        parkedMessages: this.options.parkedMessages,
        groupId: this.options.groupId,
        topics: this.options.topics,
        timing: this.options.timing,
        log: this.options.log,
        alert: this.options.alert,
        observer: this.options.observer,
        handle: (message) => this.route(message),
        batches: this.batches(),
      });
      await this.consumer.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Whether the consumer has joined its group (readiness); false before listen() and after close(). */
  joined(): boolean {
    return this.consumer?.joined() ?? false;
  }

  /** The lag of the partitions assigned to this instance (closeloop_kafka_consumer_lag). */
  lag(): Promise<PartitionLag[]> {
    return this.consumer?.lag() ?? Promise.resolve([]);
  }

  /** Batches in transactions when a handler can join them; records of other handlers are still handled alone. */
  private batches(): EventConsumerOptions['batches'] {
    const pool = this.options.pool;
    const joining = (handler: MessageHandler | null) => handler?.extras?.['inBatchTransaction'] === true;
    if (!pool || ![...this.getHandlers().values()].some(joining)) return undefined;
    return {
      pool,
      joins: (message) => {
        const handler = this.handlerOf(message);
        return handler ? joining(handler) : this.options.unroutable === 'skip';
      },
      skips: (message) => this.handlerOf(message) === null && this.options.unroutable === 'skip',
      handle: (message, transaction) => this.route(message, transaction),
    };
  }

  private handlerOf(message: InboundCloudEvent): MessageHandler | null {
    const type = message.event.type;
    let handler = this.handlersByType.get(type);
    if (handler === undefined) {
      handler = this.getHandlerByPattern(type) ?? this.getHandlerByPattern(ANY_EVENT_TYPE);
      // Types come from the senders: a bounded memory of them, so a stream of made-up types cannot grow it.
      if (this.handlersByType.size < MAX_REMEMBERED_TYPES) this.handlersByType.set(type, handler);
    }
    return handler;
  }

  private async route(message: InboundCloudEvent, transaction?: ConsumerTransaction): Promise<void | typeof SKIPPED> {
    const handler = this.handlerOf(message);
    if (!handler) {
      if (this.options.unroutable === 'skip') return SKIPPED;
      throw new ValidationError(
        `no handler accepts events of type ${message.event.type}`,
        [{ path: 'type', message: 'unsupported event type' }],
        'UNSUPPORTED_EVENT_TYPE',
      );
    }
    const batched: BatchedCloudEvent = transaction ? { ...message, transaction } : message;
    const result = await handler(batched);
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
  }

  on(): never {
    throw new Error('CloudEventsTransport has no events to subscribe to');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}
