import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { loadConfig } from '@closeloop/config';
import { startService } from '@closeloop/runtime';
import { inProcessServiceEnv, ServiceEnvironment } from '@closeloop/testing';
import { queryConfigSchema } from './query.config';
import { queryModule } from './query.module';

/**
 * The query service in this process, as its main starts it but on a free loopback port, over the spec's own database
 * and topics; `env` sets what the spec needs besides.
 */
export const startQueryUnderTest = async (
  environment: ServiceEnvironment,
  env: Readonly<Record<string, string>> = {},
): Promise<{ readonly app: INestApplication; readonly baseUrl: string }> => {
  const app = await startService(queryModule(loadConfig(queryConfigSchema, inProcessServiceEnv(environment, env))), {
    host: '127.0.0.1',
    port: 0,
    logLevel: 'error',
  });
  return { app, baseUrl: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
};
