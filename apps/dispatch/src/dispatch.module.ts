import { Module } from '@nestjs/common';
import { loadJsonFile } from '@closeloop/config';
import { InfrastructureModule } from '@closeloop/runtime';
import { RosterSchema } from '@closeloop/work-order-domain';
import { AssignOwnerHandler } from './assign-owner/assign-owner.handler';
import { WorkOrderEventsKafkaController } from './assign-owner/work-order-events.kafka.controller';
import { DispatchConfig, ROSTER } from './dispatch.config';

export const dispatchModule = (config: DispatchConfig) => {
  @Module({
    imports: [InfrastructureModule.forRoot({ service: 'dispatch', config, relay: true })],
    controllers: [WorkOrderEventsKafkaController],
    providers: [{ provide: ROSTER, useValue: loadJsonFile('ROSTER_FILE', config.ROSTER_FILE, RosterSchema) }, AssignOwnerHandler],
  })
  class DispatchModule {}
  return DispatchModule;
};
