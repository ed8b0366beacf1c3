import { Module } from '@nestjs/common';
import { loadJsonFile } from '@closeloop/config';
import { InfrastructureModule } from '@closeloop/runtime';
import { SlaPolicySchema } from '@closeloop/sla-domain';
import { SLA_POLICY, SlaTimerConfig } from './sla-timer.config';
import { StartSlaClockHandler } from './start-clock/start-sla-clock.handler';
import { WorkOrderEventsKafkaController } from './start-clock/work-order-events.kafka.controller';

export const slaTimerModule = (config: SlaTimerConfig) => {
  @Module({
    imports: [InfrastructureModule.forRoot({ service: 'sla-timer', config, relay: true })],
    controllers: [WorkOrderEventsKafkaController],
    providers: [{ provide: SLA_POLICY, useValue: loadJsonFile('SLA_POLICY_FILE', config.SLA_POLICY_FILE, SlaPolicySchema) }, StartSlaClockHandler],
  })
  class SlaTimerModule {}
  return SlaTimerModule;
};
