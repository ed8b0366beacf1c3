import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { baseServiceConfig, BaseServiceConfig } from '@closeloop/config';
import { TopicBaseNames } from '@closeloop/contracts';
import { InfrastructureModule, runService } from '@closeloop/runtime';
import { WorkOrderEventsKafkaController } from './projection/work-order-events.kafka.controller';
import { SlaHttpController } from './sla/sla.http.controller';
import { WorkOrdersHttpController } from './work-orders/work-orders.http.controller';

const queryModule = (config: BaseServiceConfig) => {
  @Module({
    imports: [InfrastructureModule.forRoot({ service: 'query', config, relay: false })],
    controllers: [WorkOrdersHttpController, SlaHttpController, WorkOrderEventsKafkaController],
  })
  class QueryModule {}
  return QueryModule;
};

runService({
  name: 'query',
  configSchema: baseServiceConfig,
  module: queryModule,
  consumes: { topics: [TopicBaseNames.events], unroutable: 'skip' },
});
