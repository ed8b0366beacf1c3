import 'reflect-metadata';
import { TopicBaseNames } from '@closeloop/contracts';
import { runService } from '@closeloop/runtime';
import { dispatchConfigSchema } from './dispatch.config';
import { dispatchModule } from './dispatch.module';

runService({
  name: 'dispatch',
  configSchema: dispatchConfigSchema,
  module: dispatchModule,
  consumes: { topics: [TopicBaseNames.events], unroutable: 'skip' },
});
