import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { migrationFiles } from '@closeloop/database';
import type { Request, Response } from 'express';
import { ProbesHttpController } from './probes.http.controller';
import { READINESS, ServiceReadiness } from './readiness';
import { PG_POOL } from './tokens';

/** A pool that answers the readiness queries: SELECT 1, whether schema_migrations exists, and what it lists. */
const fakePool = (state: { reachable: boolean; applied: string[] }) => ({
  query: async (sql: string) => {
    if (!state.reachable) throw new Error('connect ECONNREFUSED 127.0.0.1:5432 for postgres://closeloop:s3cr3t@db/x');
    if (/to_regclass/.test(sql)) return { rows: [{ present: true }] };
    if (/FROM schema_migrations/.test(sql)) return { rows: state.applied.map((version) => ({ version })) };
    return { rows: [{ '?column?': 1 }] };
  },
});

const fakeResponse = () => {
  const response = { statusCode: 200, contentType: 'application/json' };
  return Object.assign(response, {
    status(code: number) {
      response.statusCode = code;
      return this;
    },
    type(type: string) {
      response.contentType = type;
      return this;
    },
  });
};

const request = { originalUrl: '/health/ready', header: () => 'corr-1', correlationId: 'corr-1' } as unknown as Request;

const probes = async (pool: ReturnType<typeof fakePool>, readiness: ServiceReadiness) => {
  @Module({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [ProbesHttpController],
    providers: [
      { provide: PG_POOL, useValue: pool },
      { provide: READINESS, useValue: readiness },
    ],
  })
  class ProbesModule {}
  const context = await NestFactory.createApplicationContext(ProbesModule, { logger: false });
  return context.get(ProbesHttpController);
};

const kafkaUp = (): ServiceReadiness =>
  Object.assign(new ServiceReadiness(), {
    producerConnected: () => true,
    consumerJoined: () => true,
  });

describe('the probes', () => {
  const everyMigration = migrationFiles();

  it('are live whatever the database and the broker say', async () => {
    const controller = await probes(fakePool({ reachable: false, applied: [] }), new ServiceReadiness());
    expect(controller.live()).toMatchObject({ status: 'ok' });
  });

  it('are ready with PostgreSQL answering, every migration applied, the producer connected and the consumer in its group', async () => {
    const controller = await probes(fakePool({ reachable: true, applied: everyMigration }), kafkaUp());
    const response = fakeResponse();
    const result = await controller.ready(request, response as unknown as Response);
    expect(response.statusCode).toBe(200);
    expect(result).toMatchObject({
      status: 'ok',
      details: {
        database: { status: 'up' },
        migrations: { status: 'up' },
        'kafka-producer': { status: 'up' },
        'kafka-consumer': { status: 'up' },
      },
    });
  });

  it('are not ready while the consumer has not joined its group: a 503 problem naming the failing check', async () => {
    const readiness = kafkaUp();
    readiness.consumerJoined = () => false;
    const controller = await probes(fakePool({ reachable: true, applied: everyMigration }), readiness);
    const response = fakeResponse();
    const result = await controller.ready(request, response as unknown as Response);
    expect(response).toMatchObject({ statusCode: 503, contentType: 'application/problem+json' });
    expect(result).toMatchObject({
      status: 503,
      code: 'NOT_READY',
      detail: 'Not ready: kafka-consumer',
      correlationId: 'corr-1',
      checks: {
        database: { status: 'up' },
        'kafka-consumer': { status: 'down', message: 'not a member of its group' },
      },
    });
  });

  it('are not ready with a migration pending, naming it', async () => {
    const controller = await probes(fakePool({ reachable: true, applied: everyMigration.slice(0, -1) }), kafkaUp());
    const response = fakeResponse();
    const result = await controller.ready(request, response as unknown as Response);
    expect(response.statusCode).toBe(503);
    expect(result).toMatchObject({
      detail: 'Not ready: migrations',
      checks: { migrations: { status: 'down', pending: [everyMigration[everyMigration.length - 1]] } },
    });
  });

  it('are not ready without PostgreSQL, and say why without its credentials', async () => {
    const readiness = kafkaUp();
    readiness.producerConnected = () => false;
    const controller = await probes(fakePool({ reachable: false, applied: [] }), readiness);
    const response = fakeResponse();
    const result = (await controller.ready(request, response as unknown as Response)) as Record<string, unknown>;
    expect(response.statusCode).toBe(503);
    expect(result['detail']).toBe('Not ready: database, migrations, kafka-producer');
    expect(JSON.stringify(result)).toContain('ECONNREFUSED');
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
  });

  it('check only what the process has: the console has neither producer nor consumer', async () => {
    const controller = await probes(fakePool({ reachable: true, applied: everyMigration }), new ServiceReadiness());
    const result = (await controller.ready(request, fakeResponse() as unknown as Response)) as {
      details: Record<string, unknown>;
    };
    expect(Object.keys(result.details).sort()).toEqual(['database', 'migrations']);
  });
});
