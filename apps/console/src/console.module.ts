import { Module } from '@nestjs/common';
import { Pool } from 'pg';
import { createPool, migrate } from '@closeloop/database';
import { CLOCK, Clock, HealthHttpController, PG_POOL, systemClock } from '@closeloop/runtime';
import { CONSOLE_CONFIG, ConsoleConfig } from './console-config';
import { ConsoleSettingsHttpController } from './console-settings.http.controller';
import { LocalSignInHttpController, SIGN_IN_CODES } from './sign-in/local-sign-in.http.controller';
import { SignInCodes } from './sign-in/sign-in-codes.repository';

export const consoleModule = (config: ConsoleConfig) => {
  @Module({
    controllers: [HealthHttpController, ConsoleSettingsHttpController, LocalSignInHttpController],
    providers: [
      { provide: CONSOLE_CONFIG, useValue: config },
      { provide: CLOCK, useValue: systemClock },
      {
        provide: PG_POOL,
        useFactory: async () => {
          const pool = createPool(config.DATABASE_URL, 'closeloop-console');
          await migrate(pool);
          return pool;
        },
      },
      {
        provide: SIGN_IN_CODES,
        inject: [PG_POOL, CLOCK],
        useFactory: (pool: Pool, clock: Clock) => new SignInCodes(pool, () => clock.now()),
      },
    ],
  })
  class ConsoleModule {}
  return ConsoleModule;
};
