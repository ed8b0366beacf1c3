import { ValidationError } from '@closeloop/contracts';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Kafka, Producer } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import {
  CloudEventConsumer,
  ConsumerObserver,
  ConsumerTiming,
  InboundCloudEvent,
  PartitionLag,
  SKIPPED,
} from './event-consumer';
import { ParkedMessages } from './parked-messages.repository';

/** The pattern of a handler that takes every type no other handler declares (projections, inboxes). */
export const ANY_EVENT_TYPE = '*';

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
}

/**
 * A Nest microservice transport over CloudEventConsumer: controllers declare `@EventPattern(<event type>)`
 * handlers, and the transport routes each CloudEvent by its `type`. It replaces Nest's built-in Kafka transport
 * so our dead-letter and retry policy applies instead of kafkajs' retry-forever default. Types no handler
 * declares are skipped: each service subscribes to the whole event topic and cares about a few types.
 */
export class CloudEventsTransport extends Server implements CustomTransportStrategy {
  private consumer: CloudEventConsumer | undefined;

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

  private async route(message: InboundCloudEvent): Promise<void | typeof SKIPPED> {
    const handler: MessageHandler | null =
      this.getHandlerByPattern(message.event.type) ?? this.getHandlerByPattern(ANY_EVENT_TYPE);
    if (!handler) {
      if (this.options.unroutable === 'skip') return SKIPPED;
      throw new ValidationError(
        `no handler accepts events of type ${message.event.type}`,
        [{ path: 'type', message: 'unsupported event type' }],
        'UNSUPPORTED_EVENT_TYPE',
      );
    }
    const result = await handler(message);
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
