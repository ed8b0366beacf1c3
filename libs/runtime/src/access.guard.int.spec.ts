import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, INestApplication, Module, Req } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  ensureLocalSigningKey,
  IntegratorKeyStore,
  IntegratorKeyVerifier,
  issueStaffToken,
  StaffTokenVerifier,
} from '@closeloop/auth';
import { Access, principalOf } from '@closeloop/http';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import type { Request } from 'express';
import { AccessGuard, INTEGRATOR_KEYS, RATE_LIMITER, STAFF_RATE_LIMITER, STAFF_TOKENS } from './access.guard';
import { RateLimiter } from './rate-limiter';
import { startService } from './service';

const ISSUER = 'closeloop-guard-test';
const AUDIENCE = 'closeloop';
const LIMIT = 3;
/** Staff count ahead in blocks of 1 % of their limit (docs/adr/0046): 10 here. */
const STAFF_LIMIT = 1_000;

@Controller('guarded')
class GuardedController {
  @Get('public')
  @Access({ public: true })
  open() {
    return { ok: true };
  }

  @Get('integrators')
  @Access({ integrator: true })
  integrators(@Req() request: Request) {
    return principalOf(request);
  }

  @Get('supervisors')
  @Access({ staff: ['supervisor'] })
  supervisors(@Req() request: Request) {
    return principalOf(request);
  }

  @Get('forgotten')
  forgotten() {
    return { leaked: true };
  }
}

describe('AccessGuard with real keys, tokens and rate limits in PostgreSQL', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let base: string;
  let keyDir: string;
  let store: IntegratorKeyStore;

  beforeAll(async () => {
    db = await freshDatabase('access_guard');
    keyDir = mkdtempSync(join(tmpdir(), 'closeloop-guard-keys-'));
    const { jwksFile } = await ensureLocalSigningKey(keyDir);
    store = new IntegratorKeyStore(db.pool, () => new Date());
    @Module({
      controllers: [GuardedController],
      providers: [
        { provide: INTEGRATOR_KEYS, useValue: new IntegratorKeyVerifier(db.pool, () => new Date()) },
        {
          provide: STAFF_TOKENS,
          useValue: new StaffTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { file: jwksFile } }),
        },
        { provide: RATE_LIMITER, useValue: new RateLimiter(db.pool, { limit: LIMIT, windowSeconds: 60 }) },
        {
          provide: STAFF_RATE_LIMITER,
          useValue: new RateLimiter(db.pool, { limit: STAFF_LIMIT, windowSeconds: 60, countAhead: true }),
        },
        { provide: APP_GUARD, useClass: AccessGuard },
      ],
    })
    class GuardedModule {}
    app = await startService(GuardedModule, { host: '127.0.0.1', port: 0, logLevel: 'error' });
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/guarded`;
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  const staffToken = (staffId: string, roles: ('supervisor' | 'technician')[]) =>
    issueStaffToken({
      dir: keyDir,
      issuer: ISSUER,
      audience: AUDIENCE,
      staffId,
      name: staffId,
      roles,
      sites: ['S1'],
      ttlSeconds: 600,
    });

  it('lets anyone reach a public route, and nobody a route without a rule', async () => {
    expect((await fetch(`${base}/public`)).status).toBe(200);
    const forgotten = await fetch(`${base}/forgotten`, {
      headers: { authorization: `Bearer ${await staffToken('sup-1', ['supervisor'])}` },
    });
    expect(forgotten.status).toBe(403);
    expect(await forgotten.json()).toMatchObject({ code: 'NO_ACCESS_RULE' });
  });

  it('answers 401 with WWW-Authenticate without credentials, and 403 for the wrong kind or role', async () => {
    const none = await fetch(`${base}/supervisors`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const { apiKey } = await store.register({
      integratorId: 'guard-kinds',
      name: 'Kinds',
      sites: ['S1'],
      eventTypes: ['*'],
    });
    expect((await fetch(`${base}/supervisors`, { headers: { 'x-api-key': apiKey } })).status).toBe(403);
    expect(
      (
        await fetch(`${base}/integrators`, {
          headers: { authorization: `Bearer ${await staffToken('sup-2', ['supervisor'])}` },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await fetch(`${base}/supervisors`, {
          headers: { authorization: `Bearer ${await staffToken('tech-1', ['technician'])}` },
        })
      ).status,
    ).toBe(403);
    const supervisor = await fetch(`${base}/supervisors`, {
      headers: { authorization: `Bearer ${await staffToken('sup-3', ['supervisor'])}` },
    });
    expect(await supervisor.json()).toMatchObject({
      kind: 'staff',
      staffId: 'sup-3',
      roles: ['supervisor'],
      sites: ['S1'],
    });
  });

  it('refuses a revoked key at once', async () => {
    const { apiKey, keyId } = await store.register({
      integratorId: 'guard-revoked',
      name: 'Revoked',
      sites: ['S1'],
      eventTypes: ['*'],
    });
    expect((await fetch(`${base}/integrators`, { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    await store.revoke(keyId);
    const refused = await fetch(`${base}/integrators`, { headers: { 'x-api-key': apiKey } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'API_KEY_INVALID' });
  });

  it('answers 429 with Retry-After once a key has used its requests for the minute, and other keys go on', async () => {
    const { apiKey } = await store.register({
      integratorId: 'guard-busy',
      name: 'Busy',
      sites: ['S1'],
      eventTypes: ['*'],
    });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i <= LIMIT; i++) {
      const response = await fetch(`${base}/integrators`, { headers: { 'x-api-key': apiKey } });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited?.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    const { apiKey: other } = await store.register({
      integratorId: 'guard-quiet',
      name: 'Quiet',
      sites: ['S1'],
      eventTypes: ['*'],
    });
    expect((await fetch(`${base}/integrators`, { headers: { 'x-api-key': other } })).status).toBe(200);
  });

  it('counts a staff member’s reads ahead in blocks, where a key’s hits are counted one by one', async () => {
    const headers = { authorization: `Bearer ${await staffToken('sup-reads', ['supervisor'])}` };
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/supervisors`, { headers })).status).toBe(200);
    const { rows } = await db.pool.query<{ hits: number }>(
      "SELECT hits FROM access_rate_limits WHERE bucket = 'staff:sup-reads'",
    );
    // Five reads, counted in blocks of ten (two rows if a minute turned between them).
    expect(rows.reduce((sum, row) => sum + row.hits, 0)).toBeGreaterThanOrEqual(5);
    for (const { hits } of rows) expect(hits % (STAFF_LIMIT / 100)).toBe(0);
  });
});
