import { Module } from '@nestjs/common';
import { Pool } from 'pg';
import { createPool, migrate } from '@closeloop/database';
import { TerminusModule } from '@nestjs/terminus';
import {
  Clock,
  HealthHttpController,
  METRICS,
  PG_POOL,
  ProbesHttpController,
  READINESS,
  samplePool,
  ServiceMetrics,
  ServiceReadiness,
  systemClock,
} from '@closeloop/runtime';
import { CONSOLE_CONFIG, ConsoleConfig } from './console-config';
import { ConsoleSettingsHttpController } from './console-settings.http.controller';
import { LocalSignInHttpController, SIGN_IN_CODES } from './sign-in/local-sign-in.http.controller';
import { SignInCodes } from './sign-in/sign-in-codes.repository';

export const consoleModule = (config: ConsoleConfig) => {
  @Module({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthHttpController, ProbesHttpController, ConsoleSettingsHttpController, LocalSignInHttpController],
    providers: [
      { provide: CONSOLE_CONFIG, useValue: config },
      { provide: METRICS, useFactory: () => new ServiceMetrics('console') },
      // The console has no Kafka: ready once PostgreSQL answers with every migration applied.
      { provide: READINESS, useFactory: () => new ServiceReadiness() },
      { provide: Clock, useValue: systemClock },
      {
        provide: PG_POOL,
        useFactory: async (metrics: ServiceMetrics) => {
          const pool = createPool(config.DATABASE_URL, 'closeloop-console');
          await migrate(pool);
          samplePool(metrics, pool);
          return pool;
        },
        inject: [METRICS],
      },
      {
        provide: SIGN_IN_CODES,
        inject: [PG_POOL, Clock],
        useFactory: (pool: Pool, clock: Clock) => new SignInCodes(pool, () => clock.now()),
      },
    ],
  })
  class ConsoleModule {}
  return ConsoleModule;
};
