import { Module } from '@nestjs/common';
import { createPool, migrate } from '@closeloop/database';
import { HealthHttpController, PG_POOL } from '@closeloop/runtime';
import { CONSOLE_CONFIG, ConsoleConfig } from './console-config';
import { ConsoleSettingsHttpController } from './console-settings.http.controller';

export const consoleModule = (config: ConsoleConfig) => {
  @Module({
    controllers: [HealthHttpController, ConsoleSettingsHttpController],
    providers: [
      { provide: CONSOLE_CONFIG, useValue: config },
      {
        provide: PG_POOL,
        useFactory: async () => {
          const pool = createPool(config.DATABASE_URL, 'closeloop-console');
          await migrate(pool);
          return pool;
        },
      },
    ],
  })
  class ConsoleModule {}
  return ConsoleModule;
};
