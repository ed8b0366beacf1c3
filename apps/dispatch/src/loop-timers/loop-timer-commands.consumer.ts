import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { kafkaConsumerTimingOf } from '@closeloop/config';
import { parseWorkOrderCommand, TopicBaseNames, topicName } from '@closeloop/contracts';
import { CloudEventConsumer, InboundCloudEvent, PostgresParkedMessages } from '@closeloop/messaging';
import { KAFKA, KAFKA_PRODUCER, PG_POOL } from '@closeloop/runtime';
import { Kafka, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { DISPATCH_CONFIG, DispatchConfig } from '../dispatch.config';
import { LoopTimerCommandHandler } from './loop-timer-command.handler';

/** The consumer group reading `workorders.commands`, apart from the service's group on the event topic. */
export const DISPATCH_COMMANDS_GROUP = 'dispatch-commands';

/**
 * Takes the commands other services send dispatch on `workorders.commands` (docs/adr/0020) and decides them. A group
 * of its own, rather than the event topic's transport, because a command nobody handles must not be skipped: an
 * unknown type or a bad shape is dead-lettered to `workorders.commands.dlq`, kept there until dispatch understands it.
 */
@Injectable()
export class LoopTimerCommandsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: CloudEventConsumer | undefined;
  private readonly logger = new Logger(DISPATCH_COMMANDS_GROUP);

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(KAFKA_PRODUCER) private readonly producer: Producer,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DISPATCH_CONFIG) private readonly config: DispatchConfig,
    private readonly loopTimers: LoopTimerCommandHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Nest calls bootstrap hooks again when the hybrid app's microservice starts: one consumer is enough.
    if (this.consumer) return;
    const prefix = this.config.KAFKA_TOPIC_PREFIX;
    this.consumer = new CloudEventConsumer({
      kafka: this.kafka,
      producer: this.producer,
      parkedMessages: new PostgresParkedMessages(this.pool),
      groupId: `${prefix}${DISPATCH_COMMANDS_GROUP}`,
      topics: [topicName(TopicBaseNames.commands, prefix)],
      timing: kafkaConsumerTimingOf(this.config),
      handle: (message) => this.handle(message),
      log: (message) => this.logger.warn(message),
      alert: (message) => this.logger.error(message),
    });
    await this.consumer.start();
  }

  // Before the infrastructure's own shutdown hook closes the producer and the pool the consumer still uses.
  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private async handle({ event }: InboundCloudEvent): Promise<void> {
    const command = parseWorkOrderCommand(event);
    // The events name the timer as their cause, as when sla-timer appended them itself.
    await this.loopTimers.handle(command, {
      correlationId: event.correlationid ?? event.id,
      causationId: event.causationid ?? event.id,
    });
  }
}
