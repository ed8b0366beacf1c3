import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { baseServiceConfig, BaseServiceConfig } from '@closeloop/config';
import { TopicBaseNames } from '@closeloop/contracts';
import { InfrastructureModule, runService } from '@closeloop/runtime';
import { WorkOrderEventsKafkaController } from './inbox/work-order-events.kafka.controller';

const notificationModule = (config: BaseServiceConfig) => {
  @Module({
    imports: [InfrastructureModule.forRoot({ service: 'notification', config, relay: false })],
    controllers: [WorkOrderEventsKafkaController],
  })
  class NotificationModule {}
  return NotificationModule;
};

runService({
  name: 'notification',
  configSchema: baseServiceConfig,
  module: notificationModule,
  consumes: { topics: [TopicBaseNames.events], unroutable: 'skip' },
});
