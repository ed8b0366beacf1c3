import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorResult, HealthIndicatorService, HealthCheckResult } from '@nestjs/terminus';
import { scrubSecrets } from '@closeloop/contracts';
import { pendingMigrations, pingDatabase } from '@closeloop/database';
import { Access, correlationIdOf } from '@closeloop/http';
import type { Request, Response } from 'express';
import { Pool } from 'pg';
import { READINESS, ServiceReadiness } from './readiness';
import { PG_POOL } from './tokens';

/** A check that does not answer within this long counts as down: a probe must answer before its own timeout. */
const CHECK_TIMEOUT_MILLIS = 2_000;

const withinTimeout = <T>(work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MILLIS} ms`)), CHECK_TIMEOUT_MILLIS).unref(),
    ),
  ]);

/**
 * Liveness and readiness for an orchestrator (Kubernetes probes), with @nestjs/terminus. Live: the process answers
 * HTTP. Ready: PostgreSQL answers, every migration is applied, the Kafka producer is connected and the consumer has
 * joined its group; otherwise 503, a problem naming the failing checks. GET /health (HealthHttpController) stays
 * as scripts use it.
 */
@Controller('health')
@Access({ public: true })
export class ProbesHttpController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(READINESS) private readonly readiness: ServiceReadiness,
  ) {}

  @Get('live')
  live(): HealthCheckResult {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  @Get('ready')
  async ready(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<unknown> {
    const checks = [
      () => this.database(),
      () => this.migrations(),
      ...(this.readiness.producerConnected
        ? [() => this.flag('kafka-producer', this.readiness.producerConnected, 'not connected')]
        : []),
      ...(this.readiness.consumerJoined
        ? [() => this.flag('kafka-consumer', this.readiness.consumerJoined, 'not a member of its group')]
        : []),
    ];
    try {
      return await this.health.check(checks);
    } catch (error) {
      const result = (error as { getResponse?: () => unknown }).getResponse?.() as HealthCheckResult | undefined;
      if (!result?.error) throw error;
      const failing = Object.keys(result.error);
      response.status(503).type('application/problem+json');
      return {
        type: 'urn:closeloop:problem:not_ready',
        title: 'Service Unavailable',
        status: 503,
        detail: `Not ready: ${failing.join(', ')}`,
        code: 'NOT_READY',
        instance: request.originalUrl,
        correlationId: correlationIdOf(request),
        checks: result.details,
      };
    }
  }

  private async database(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('database');
    try {
      await withinTimeout(pingDatabase(this.pool));
      return check.up();
    } catch (error) {
      return check.down({ message: scrubSecrets(`unreachable: ${(error as Error).message}`) });
    }
  }

  private async migrations(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('migrations');
    try {
      const pending = await withinTimeout(pendingMigrations(this.pool));
      return pending.length === 0 ? check.up() : check.down({ message: 'not applied', pending });
    } catch (error) {
      return check.down({ message: scrubSecrets(`cannot tell: ${(error as Error).message}`) });
    }
  }

  private flag(key: string, ok: (() => boolean) | undefined, otherwise: string): HealthIndicatorResult {
    const check = this.indicators.check(key);
    return ok?.() ? check.up() : check.down({ message: otherwise });
  }
}
