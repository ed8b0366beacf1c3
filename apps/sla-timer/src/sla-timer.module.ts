import { loadJsonFile } from '@closeloop/config';
import { TopicBaseNames, topicName } from '@closeloop/contracts';
import { KAFKA_PRODUCER, serviceModule } from '@closeloop/runtime';
import { SlaPolicySchema } from '@closeloop/sla-domain';
import { Producer } from 'kafkajs';
import { ScheduleCallbackKafkaController } from './callback-timers/schedule-callback.kafka.controller';
import { TimerFiringService } from './callback-timers/timer-firing.service';
import { TimerStore } from './callback-timers/timer-store';
import { WorkOrderCommandSender } from './callback-timers/work-order-command.sender';
import { OrderLifecycleRepository } from './order-lifecycle/order-lifecycle.repository';
import { SLA_POLICY, SLA_TIMER_CONFIG, SlaTimerConfig } from './sla-timer.config';
import { AppliedPolicyRepository } from './start-clock/applied-policy.repository';
import { PolicyRecomputationService } from './start-clock/policy-recomputation.service';
import { SlaClockOnWorkOrderEvents } from './start-clock/sla-clock-on-work-order-events.kafka.controller';
import { SlaClockService } from './start-clock/sla-clock.service';

export const slaTimerModule = (config: SlaTimerConfig) =>
  serviceModule(
    { service: 'sla-timer', config, relay: true },
    {
      controllers: [SlaClockOnWorkOrderEvents, ScheduleCallbackKafkaController],
      providers: [
        { provide: SLA_TIMER_CONFIG, useValue: config },
        { provide: SLA_POLICY, useValue: loadJsonFile('SLA_POLICY_FILE', config.SLA_POLICY_FILE, SlaPolicySchema) },
        {
          provide: WorkOrderCommandSender,
          useFactory: (producer: Producer) =>
            new WorkOrderCommandSender(producer, topicName(TopicBaseNames.commands, config.KAFKA_TOPIC_PREFIX)),
          inject: [KAFKA_PRODUCER],
        },
        OrderLifecycleRepository,
        SlaClockService,
        AppliedPolicyRepository,
        PolicyRecomputationService,
        TimerStore,
        TimerFiringService,
      ],
    },
  );
