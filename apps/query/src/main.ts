import 'reflect-metadata';
import { baseServiceConfig } from '@closeloop/config';
import { TopicBaseNames } from '@closeloop/contracts';
import { runService } from '@closeloop/runtime';
import { queryModule } from './query.module';

runService({
  name: 'query',
  configSchema: baseServiceConfig,
  module: queryModule,
  consumes: { topics: [TopicBaseNames.events], unroutable: 'skip' },
});
