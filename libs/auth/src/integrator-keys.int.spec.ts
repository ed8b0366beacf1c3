import { IntakeEventTypes, NotFoundError } from '@closeloop/contracts';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import {
  integratorIdOfSource,
  IntegratorKeyStore,
  IntegratorKeyVerifier,
  IntegratorScope,
  integratorSource,
  parseIntegratorKey,
} from './integrator-keys';
import { IntegratorKeyChanges } from './integrator-key-changes';

// The module object itself (not an import's interop copy), so a spy on it sees the verifier's calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const argon2 = require('@node-rs/argon2') as typeof import('@node-rs/argon2');

const REPORT = IntakeEventTypes.ReportSubmitted;
const FOLLOW_UP = IntakeEventTypes.FollowUpContact;
const HOUR = 3600_000;

let db: TestDatabase;
let now: Date;
const clock = () => now;
let store: IntegratorKeyStore;
let verifier: IntegratorKeyVerifier;
let sequence = 0;

beforeAll(async () => {
  db = await freshDatabase('auth_keys');
});
afterAll(() => db.drop());

beforeEach(() => {
  now = new Date('2026-11-23T09:00:00+08:00');
  store = new IntegratorKeyStore(db.pool, clock);
  verifier = new IntegratorKeyVerifier(db.pool, clock);
});

const registerHotline = (overrides: Partial<Parameters<IntegratorKeyStore['register']>[0]> = {}) =>
  store.register({
    integratorId: `hotline-${++sequence}`,
    name: 'S1 hotline',
    sites: ['S1', 'S2'],
    eventTypes: [REPORT],
    ...overrides,
  });

const storedKey = async (keyId: string) =>
  (
    await db.pool.query<{ secret_hash: string; status: string; expires_at: Date | null }>(
      'SELECT * FROM access_integrator_keys WHERE key_id = $1',
      [keyId],
    )
  ).rows[0];

describe('a registered integrator', () => {
  it('gets a key that verifies to its scope', async () => {
    const { integratorId, keyId, apiKey } = await registerHotline();
    expect(apiKey).toMatch(/^clk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseIntegratorKey(apiKey)?.keyId).toBe(keyId);
    await expect(verifier.verify(apiKey)).resolves.toEqual({
      kind: 'integrator',
      integratorId,
      keyId,
      sites: ['S1', 'S2'],
      eventTypes: [REPORT],
    });
  });

  it('has only an argon2id hash of the secret stored, never the key or the secret', async () => {
    const { keyId, apiKey } = await registerHotline();
    const secret = parseIntegratorKey(apiKey)?.secret as string;
    const row = await storedKey(keyId);
    expect(row?.secret_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const everything =
      JSON.stringify((await db.pool.query('SELECT * FROM access_integrator_keys')).rows) +
      JSON.stringify((await db.pool.query('SELECT * FROM access_integrators')).rows);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(apiKey);
  });

  it('is checked with argon2 once per instance, then from memory while its row stays usable', async () => {
    const { apiKey } = await registerHotline();
    const argon2Verify = jest.spyOn(argon2, 'verify');
    try {
      for (let i = 0; i < 3; i++) await expect(verifier.verify(apiKey)).resolves.toBeDefined();
      expect(argon2Verify).toHaveBeenCalledTimes(1);
      await expect(new IntegratorKeyVerifier(db.pool, clock).verify(apiKey)).resolves.toBeDefined();
      expect(argon2Verify).toHaveBeenCalledTimes(2);
    } finally {
      argon2Verify.mockRestore();
    }
  });

  it('is listed with its keys but no hash', async () => {
    const { integratorId, keyId } = await registerHotline({ name: 'CRM', sites: ['*'], eventTypes: ['*'] });
    const listed = (await store.list()).find((i) => i.integratorId === integratorId);
    expect(listed).toEqual({
      integratorId,
      name: 'CRM',
      sites: ['*'],
      eventTypes: ['*'],
      createdAt: now,
      keys: [{ keyId, status: 'active', state: 'active', createdAt: now, expiresAt: null, revokedAt: null }],
    });
    expect(JSON.stringify(await store.list())).not.toContain('$argon2');
  });

  it('cannot be registered twice, nor with an invalid id, no sites or an unknown event type', async () => {
    const { integratorId } = await registerHotline();
    await expect(registerHotline({ integratorId })).rejects.toMatchObject({
      kind: 'conflict',
      code: 'INTEGRATOR_EXISTS',
    });
    await expect(registerHotline({ integratorId: 'Hotline/1' })).rejects.toMatchObject({ kind: 'validation' });
    await expect(registerHotline({ sites: [] })).rejects.toMatchObject({ kind: 'validation' });
    await expect(registerHotline({ eventTypes: ['closeloop.intake.report-submited.v1'] })).rejects.toMatchObject({
      kind: 'validation',
      issues: [{ path: 'eventTypes.0', message: expect.stringContaining('not an intake event type') }],
    });
  });
});

describe('a presented key that is not valid', () => {
  it('has the wrong secret', async () => {
    const { keyId, apiKey } = await registerHotline();
    await expect(verifier.verify(apiKey)).resolves.toBeDefined(); // remembered as verified...
    const wrong = `clk_${keyId}_${'A'.repeat(43)}`;
    await expect(verifier.verify(wrong)).resolves.toBeUndefined(); // ...which does not help another secret
    await expect(new IntegratorKeyVerifier(db.pool, clock).verify(wrong)).resolves.toBeUndefined();
  });

  it('is malformed', async () => {
    const { apiKey } = await registerHotline();
    for (const presented of [
      '',
      'clk_',
      'Bearer x',
      apiKey.slice(0, -1),
      `${apiKey}A`,
      apiKey.replace('clk_', 'clx_'),
      apiKey.toUpperCase(),
      ` ${apiKey}`,
    ]) {
      await expect(verifier.verify(presented)).resolves.toBeUndefined();
    }
  });

  it('has an unknown key id', async () => {
    const { apiKey } = await registerHotline();
    await expect(verifier.verify(apiKey.replace(/^clk_[0-9a-f]{12}/, 'clk_000000000000'))).resolves.toBeUndefined();
  });
});

describe('revocation', () => {
  it('stops a key at once, even one this instance has just verified', async () => {
    const { keyId, apiKey, integratorId } = await registerHotline();
    const other = new IntegratorKeyVerifier(db.pool, clock);
    await expect(verifier.verify(apiKey)).resolves.toBeDefined();
    await expect(other.verify(apiKey)).resolves.toBeDefined();
    await expect(store.revoke(keyId)).resolves.toEqual({ keyId, integratorId, revokedAt: now });
    await expect(verifier.verify(apiKey)).resolves.toBeUndefined();
    await expect(other.verify(apiKey)).resolves.toBeUndefined();
    expect((await storedKey(keyId))?.status).toBe('revoked');
  });

  it('is harmless twice and refuses an unknown key', async () => {
    const { keyId } = await registerHotline();
    const first = await store.revoke(keyId);
    now = new Date(now.getTime() + HOUR);
    await expect(store.revoke(keyId)).resolves.toEqual(first);
    await expect(store.revoke('000000000000')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('rotation', () => {
  it('keeps the old key valid during the overlap, and only then', async () => {
    const { integratorId, keyId: oldKeyId, apiKey: oldKey } = await registerHotline();
    await expect(verifier.verify(oldKey)).resolves.toBeDefined();

    now = new Date(now.getTime() + 30 * 24 * HOUR);
    const rotatedAt = now;
    const rotated = await store.rotate(integratorId, 24 * 3600);
    expect(rotated.keyId).not.toBe(oldKeyId);
    expect(rotated.expiring).toEqual([{ keyId: oldKeyId, expiresAt: new Date(rotatedAt.getTime() + 24 * HOUR) }]);
    await expect(verifier.verify(rotated.apiKey)).resolves.toMatchObject({ integratorId, keyId: rotated.keyId });

    now = new Date(rotatedAt.getTime() + 24 * HOUR - 1000);
    await expect(verifier.verify(oldKey)).resolves.toMatchObject({ keyId: oldKeyId });
    expect((await store.list()).find((i) => i.integratorId === integratorId)?.keys.map((k) => k.state)).toEqual([
      'expiring',
      'active',
    ]);

    now = new Date(rotatedAt.getTime() + 24 * HOUR);
    await expect(verifier.verify(oldKey)).resolves.toBeUndefined();
    await expect(verifier.verify(rotated.apiKey)).resolves.toMatchObject({ keyId: rotated.keyId });
    expect((await store.list()).find((i) => i.integratorId === integratorId)?.keys.map((k) => k.state)).toEqual([
      'expired',
      'active',
    ]);
  });

  it('never lengthens an overlap already running, and ends keys at once with no overlap', async () => {
    const start = now;
    const { integratorId, keyId: first, apiKey: firstKey } = await registerHotline();
    const second = await store.rotate(integratorId, 3600);
    now = new Date(start.getTime() + 60_000);
    const third = await store.rotate(integratorId, 24 * 3600);
    // The first key keeps its hour; the second, which had no end, gets the new 24 hours.
    expect(third.expiring).toHaveLength(2);
    expect(third.expiring).toEqual(
      expect.arrayContaining([
        { keyId: first, expiresAt: new Date(start.getTime() + HOUR) },
        { keyId: second.keyId, expiresAt: new Date(now.getTime() + 24 * HOUR) },
      ]),
    );
    await expect(verifier.verify(firstKey)).resolves.toBeDefined();

    const fourth = await store.rotate(integratorId, 0);
    await expect(verifier.verify(firstKey)).resolves.toBeUndefined();
    await expect(verifier.verify(second.apiKey)).resolves.toBeUndefined();
    await expect(verifier.verify(third.apiKey)).resolves.toBeUndefined();
    await expect(verifier.verify(fourth.apiKey)).resolves.toMatchObject({ keyId: fourth.keyId });
  });

  it('refuses an unknown integrator or a negative overlap', async () => {
    await expect(store.rotate('nobody', 60)).rejects.toBeInstanceOf(NotFoundError);
    const { integratorId } = await registerHotline();
    await expect(store.rotate(integratorId, -1)).rejects.toMatchObject({ kind: 'validation' });
  });
});

describe('scope', () => {
  it('is checked by site, then by event type, with * for all', () => {
    const scope = { sites: ['S1'], eventTypes: [REPORT] };
    expect(IntegratorScope.check(scope, 'S1', REPORT)).toBe('ok');
    expect(IntegratorScope.check(scope, 'S2', REPORT)).toBe('site-not-allowed');
    expect(IntegratorScope.check(scope, 'S1', FOLLOW_UP)).toBe('type-not-allowed');
    expect(IntegratorScope.check({ sites: ['*'], eventTypes: ['*'] }, 'S9', FOLLOW_UP)).toBe('ok');
    expect(() => IntegratorScope.assert({ integratorId: 'crm', ...scope }, 'S2', REPORT)).toThrow(
      expect.objectContaining({ kind: 'forbidden', code: 'SITE_NOT_ALLOWED' }),
    );
    expect(() => IntegratorScope.assert({ integratorId: 'crm', ...scope }, 'S1', FOLLOW_UP)).toThrow(
      expect.objectContaining({ kind: 'forbidden', code: 'EVENT_TYPE_NOT_ALLOWED' }),
    );
  });

  it('changes take effect on the next verification, cached or not', async () => {
    const { integratorId, apiKey } = await registerHotline();
    const principal = await verifier.verify(apiKey);
    expect(IntegratorScope.check(principal!, 'S2', FOLLOW_UP)).toBe('type-not-allowed');
    await expect(store.updateScope(integratorId, { sites: ['S1'], eventTypes: [REPORT, FOLLOW_UP] })).resolves.toEqual({
      integratorId,
      name: 'S1 hotline',
      sites: ['S1'],
      eventTypes: [REPORT, FOLLOW_UP],
    });
    const after = await verifier.verify(apiKey);
    expect(after).toMatchObject({ sites: ['S1'], eventTypes: [REPORT, FOLLOW_UP] });
    expect(IntegratorScope.check(after!, 'S2', FOLLOW_UP)).toBe('site-not-allowed');
    expect(IntegratorScope.check(after!, 'S1', FOLLOW_UP)).toBe('ok');
  });

  it('keeps what a change leaves out, and refuses an empty or unknown one', async () => {
    const { integratorId } = await registerHotline();
    await expect(store.updateScope(integratorId, { sites: ['S3'] })).resolves.toMatchObject({
      sites: ['S3'],
      eventTypes: [REPORT],
    });
    await expect(store.updateScope(integratorId, {})).rejects.toMatchObject({ kind: 'validation' });
    await expect(store.updateScope(integratorId, { eventTypes: [] })).rejects.toMatchObject({ kind: 'validation' });
    await expect(store.updateScope('nobody', { sites: ['S1'] })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('integrators on the Kafka intake topic', () => {
  it('are known by the CloudEvent source /integrators/<id>', async () => {
    const { integratorId } = await registerHotline();
    expect(integratorSource(integratorId)).toBe(`/integrators/${integratorId}`);
    expect(integratorIdOfSource(`/integrators/${integratorId}`)).toBe(integratorId);
    expect(integratorIdOfSource('crm:hotline-2')).toBeUndefined();
    expect(integratorIdOfSource('/integrators/a/b')).toBeUndefined();
    await expect(store.findIntegrator(integratorId)).resolves.toEqual({
      integratorId,
      name: 'S1 hotline',
      sites: ['S1', 'S2'],
      eventTypes: [REPORT],
    });
    await expect(store.findIntegrator('nobody')).resolves.toBeUndefined();
    await expect(store.isRegisteredSource(integratorSource(integratorId))).resolves.toBe(true);
    await expect(store.isRegisteredSource('/integrators/nobody')).resolves.toBe(false);
    await expect(store.isRegisteredSource('closeloop/intake')).resolves.toBe(false);
  });
});

describe('keys remembered between requests (docs/adr/0038)', () => {
  const holders: IntegratorKeyVerifier[] = [];
  afterEach(async () => {
    await Promise.all(holders.splice(0).map((holder) => holder.close()));
  });

  /** A verifier as an instance of a service has one, listening for changes on a connection of its own. */
  const instance = () => {
    const changes = new IntegratorKeyChanges(db.pool);
    const holder = new IntegratorKeyVerifier(db.pool, clock, { rememberMillis: 10_000, changes });
    holders.push(holder);
    return { holder, changes };
  };

  const until = async (condition: () => boolean | Promise<boolean>, withinMillis = 5_000): Promise<number> => {
    const started = Date.now();
    while (!(await condition())) {
      if (Date.now() - started > withinMillis) throw new Error(`not so within ${withinMillis} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return Date.now() - started;
  };

  /** Verifies the key on each instance once it listens, so that each remembers what it read. */
  const rememberedBy = async (apiKey: string, instances: ReturnType<typeof instance>[]) => {
    for (const { holder, changes } of instances) {
      await holder.verify(apiKey);
      await until(() => changes.live);
      await expect(holder.verify(apiKey)).resolves.toBeDefined();
    }
  };

  const queriesDuring = async (work: () => Promise<unknown>): Promise<number> => {
    const query = jest.spyOn(db.pool, 'query');
    try {
      await work();
      return query.mock.calls.length;
    } finally {
      query.mockRestore();
    }
  };

  it('answer from memory, with no round trip, while nothing changed', async () => {
    const { apiKey, keyId } = await registerHotline();
    const a = instance();
    await rememberedBy(apiKey, [a]);
    expect(await queriesDuring(() => a.holder.verify(apiKey))).toBe(0);
    await expect(a.holder.verify(apiKey)).resolves.toMatchObject({ keyId, sites: ['S1', 'S2'] });
    // Another secret for the key id is checked against the row as ever.
    await expect(a.holder.verify(`clk_${keyId}_${'A'.repeat(43)}`)).resolves.toBeUndefined();
  });

  it('stop at once on every instance when the key is revoked: the next request on each is refused', async () => {
    const { apiKey, keyId } = await registerHotline();
    const a = instance();
    const b = instance();
    await rememberedBy(apiKey, [a, b]);
    expect(await queriesDuring(() => Promise.all([a.holder.verify(apiKey), b.holder.verify(apiKey)]))).toBe(0);

    const generations = [a, b].map(({ changes }) => changes.generation);
    await store.revoke(keyId);
    // The notification comes at the revocation's commit; from then on each instance refuses.
    const heard = await Promise.all(
      [a, b].map(({ changes }, i) => until(() => changes.generation > (generations[i] as number), 1_000)),
    );
    expect(Math.max(...heard)).toBeLessThan(1_000);
    await until(async () => (await a.holder.verify(apiKey)) === undefined, 1_000);
    await until(async () => (await b.holder.verify(apiKey)) === undefined, 1_000);
    await expect(a.holder.verify(apiKey)).resolves.toBeUndefined();
    await expect(b.holder.verify(apiKey)).resolves.toBeUndefined();
  });

  it('forget a scope as soon as it is narrowed, and an expiry a rotation sets holds to the millisecond', async () => {
    const { apiKey, integratorId, keyId } = await registerHotline();
    const a = instance();
    await rememberedBy(apiKey, [a]);
    await store.updateScope(integratorId, { sites: ['S1'] });
    await until(async () => (await a.holder.verify(apiKey))?.sites.length === 1, 1_000);

    await rememberedBy(apiKey, [a]);
    const rotatedAt = now;
    const generation = a.changes.generation;
    await store.rotate(integratorId, 5);
    await until(() => a.changes.generation > generation, 1_000);
    expect(await queriesDuring(() => a.holder.verify(apiKey))).toBe(1);
    now = new Date(rotatedAt.getTime() + 4_999);
    expect(await queriesDuring(() => expect(a.holder.verify(apiKey)).resolves.toMatchObject({ keyId }))).toBe(0);
    now = new Date(rotatedAt.getTime() + 5_000);
    await expect(a.holder.verify(apiKey)).resolves.toBeUndefined();
  });

  it('are read again once the memory is older than its bound, and whenever the instance is not listening', async () => {
    const { apiKey } = await registerHotline();
    const a = instance();
    await rememberedBy(apiKey, [a]);
    now = new Date(now.getTime() + 10_000);
    expect(await queriesDuring(() => a.holder.verify(apiKey))).toBe(1);
    expect(await queriesDuring(() => a.holder.verify(apiKey))).toBe(0);

    await db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = 'closeloop-integrator-key-changes' AND datname = current_database()`,
    );
    await until(() => !a.changes.live);
    expect(await queriesDuring(() => a.holder.verify(apiKey))).toBe(1);
    expect(await queriesDuring(() => a.holder.verify(apiKey))).toBe(1);
    // Listening again, it trusts only what it reads from then on.
    await until(() => a.changes.live);
    expect(await queriesDuring(() => a.holder.verify(apiKey))).toBe(1);
    expect(await queriesDuring(() => a.holder.verify(apiKey))).toBe(0);
  });
});
