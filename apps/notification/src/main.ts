import 'reflect-metadata';
import { TopicBaseNames } from '@closeloop/contracts';
import { runService } from '@closeloop/runtime';
import { notificationConfigSchema } from './notification.config';
import { notificationModule } from './notification.module';

runService({
  name: 'notification',
  configSchema: notificationConfigSchema,
  module: notificationModule,
  consumes: { topics: [TopicBaseNames.events], unroutable: 'skip' },
});
