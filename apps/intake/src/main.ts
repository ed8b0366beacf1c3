import 'reflect-metadata';
import { TopicBaseNames } from '@closeloop/contracts';
import { runService } from '@closeloop/runtime';
import { intakeConfigSchema, sheddingOf } from './intake.config';
import { intakeModule } from './intake.module';

runService({
  name: 'intake',
  configSchema: intakeConfigSchema,
  module: intakeModule,
  consumes: { topics: [TopicBaseNames.intake], unroutable: 'dead-letter' },
  shedding: sheddingOf,
});
