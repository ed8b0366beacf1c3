import { Module } from '@nestjs/common';
import { BaseServiceConfig } from '@closeloop/config';
import { InfrastructureModule } from '@closeloop/runtime';
import { WorkOrderEventsKafkaController } from './projection/work-order-events.kafka.controller';
import { SlaHttpController } from './sla/sla.http.controller';
import { WorkOrdersHttpController } from './work-orders/work-orders.http.controller';

export const queryModule = (config: BaseServiceConfig) => {
  @Module({
    imports: [InfrastructureModule.forRoot({ service: 'query', config, relay: false })],
    controllers: [WorkOrdersHttpController, SlaHttpController, WorkOrderEventsKafkaController],
  })
  class QueryModule {}
  return QueryModule;
};
