import 'reflect-metadata';
import { TopicBaseNames } from '@closeloop/contracts';
import { runService } from '@closeloop/runtime';
import { queryConfigSchema } from './query.config';
import { queryModule } from './query.module';

runService({
  name: 'query',
  configSchema: queryConfigSchema,
  module: queryModule,
  consumes: { topics: [TopicBaseNames.events], unroutable: 'skip' },
});
