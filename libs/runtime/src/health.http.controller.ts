import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { pingDatabase } from '@closeloop/database';
import { Access } from '@closeloop/http';
import { Pool } from 'pg';
import { PG_POOL } from './tokens';

/** Readiness for scripts and orchestrators: answers once the schema, topics and producer are ready. */
@Controller('health')
@Access({ public: true })
export class HealthHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  async check() {
    try {
      await pingDatabase(this.pool);
    } catch (error) {
      throw new ServiceUnavailableException(`database unreachable: ${(error as Error).message}`);
    }
    return { status: 'ok' };
  }
}
