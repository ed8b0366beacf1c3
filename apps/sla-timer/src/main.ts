import 'reflect-metadata';
import { TopicBaseNames } from '@closeloop/contracts';
import { runService } from '@closeloop/runtime';
import { slaTimerConfigSchema } from './sla-timer.config';
import { slaTimerModule } from './sla-timer.module';

runService({
  name: 'sla-timer',
  configSchema: slaTimerConfigSchema,
  module: slaTimerModule,
  consumes: { topics: [TopicBaseNames.events], unroutable: 'skip' },
});
