import { Module } from '@nestjs/common';
import { loadJsonFile } from '@closeloop/config';
import { InfrastructureModule } from '@closeloop/runtime';
import { SlaPolicySchema } from '@closeloop/sla-domain';
import { EVENT_STORE, EventStore } from '@closeloop/event-store';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import { ScheduleCallbackKafkaController } from './callback-timers/schedule-callback.kafka.controller';
import { TimerFiringService } from './callback-timers/timer-firing.service';
import { TimerStore } from './callback-timers/timer-store';
import { SLA_POLICY, SLA_TIMER_CONFIG, SlaTimerConfig, WORK_ORDER_COMMANDS } from './sla-timer.config';
import { AppliedPolicyRepository } from './start-clock/applied-policy.repository';
import { PolicyRecomputationService } from './start-clock/policy-recomputation.service';
import { SlaClockService } from './start-clock/sla-clock.service';
import { WorkOrderEventsKafkaController } from './start-clock/work-order-events.kafka.controller';

export const slaTimerModule = (config: SlaTimerConfig) => {
  @Module({
    imports: [
      InfrastructureModule.forRoot({
        service: 'sla-timer',
        config,
        relay: true,
        readsPostgresEventTables: 'recomputing deadlines after a policy change lists SLA streams from es_streams',
      }),
    ],
    controllers: [WorkOrderEventsKafkaController, ScheduleCallbackKafkaController],
    providers: [
      { provide: SLA_TIMER_CONFIG, useValue: config },
      { provide: SLA_POLICY, useValue: loadJsonFile('SLA_POLICY_FILE', config.SLA_POLICY_FILE, SlaPolicySchema) },
      { provide: WORK_ORDER_COMMANDS, useFactory: (store: EventStore) => new WorkOrderCommands(store), inject: [EVENT_STORE] },
      SlaClockService,
      AppliedPolicyRepository,
      PolicyRecomputationService,
      TimerStore,
      TimerFiringService,
    ],
  })
  class SlaTimerModule {}
  return SlaTimerModule;
};
