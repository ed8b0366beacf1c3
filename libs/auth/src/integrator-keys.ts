import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { inTransaction } from '@closeloop/database';
import {
  CloseloopError,
  FieldIssue,
  ForbiddenError,
  IntakeEventTypes,
  NotFoundError,
  ValidationError,
} from '@closeloop/contracts';
import type { Pool, PoolClient } from 'pg';
import { BoundedMemory } from './bounded-memory';
import { IntegratorKeyChanges } from './integrator-key-changes';

/**
 * Integrators are the outside systems that submit residents' reports: a site's phone hotline, a CRM, a sensor
 * gateway. Each is registered with the sites it may report for and the intake event types it may send ('*' = all),
 * and authenticates with API keys `clk_<keyId>_<secret>`. Only an argon2id hash of the secret is stored; the whole
 * key is shown once, when it is made.
 */

/** Every site, or every intake event type. */
export const ALL = '*';

export interface IntegratorScopeRecord {
  readonly integratorId: string;
  readonly name: string;
  readonly sites: string[];
  readonly eventTypes: string[];
}

/** Who called, once an API key has verified. */
export interface IntegratorPrincipal {
  readonly kind: 'integrator';
  readonly integratorId: string;
  readonly keyId: string;
  readonly sites: string[];
  readonly eventTypes: string[];
}

export interface IssuedIntegratorKey {
  readonly integratorId: string;
  readonly keyId: string;
  /** The whole key. Shown once: only the hash of its secret is kept. */
  readonly apiKey: string;
}

export interface RotatedIntegratorKey extends IssuedIntegratorKey {
  /** The keys that were active before, and when each now stops working. */
  readonly expiring: readonly { readonly keyId: string; readonly expiresAt: Date }[];
}

/** `expiring`: active, but a rotation set its end; `expired`: that end has passed. */
export type IntegratorKeyState = 'active' | 'expiring' | 'expired' | 'revoked';

export interface IntegratorKeySummary {
  readonly keyId: string;
  readonly status: 'active' | 'revoked';
  readonly state: IntegratorKeyState;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface IntegratorListing extends IntegratorScopeRecord {
  readonly createdAt: Date;
  readonly keys: IntegratorKeySummary[];
}

export interface IntegratorRegistration {
  readonly integratorId: string;
  readonly name: string;
  readonly sites: readonly string[];
  readonly eventTypes: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Key format and CloudEvent source
// ---------------------------------------------------------------------------------------------------------------

const INTEGRATOR_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const KEY_ID = /^[0-9a-f]{12}$/;
// 12 hex characters of key id, then 32 random bytes in base64url (43 characters, which may include '_' and '-').
const API_KEY = /^clk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const SOURCE = /^\/integrators\/([a-z0-9][a-z0-9_-]{0,63})$/;

/** The parts of a well-formed key, or undefined. Says nothing about whether the key is valid. */
export const parseIntegratorKey = (presented: string): { keyId: string; secret: string } | undefined => {
  if (typeof presented !== 'string' || presented.length > 128) return undefined;
  const match = API_KEY.exec(presented);
  return match ? { keyId: match[1] as string, secret: match[2] as string } : undefined;
};

/** Whether a bearer credential is shaped like an integrator key (rather than a staff JWT). */
export const looksLikeIntegratorKey = (credential: string): boolean => credential.startsWith('clk_');

/** The CloudEvent `source` by which an integrator posting to the Kafka intake topic is identified. */
export const integratorSource = (integratorId: string): string => {
  if (!INTEGRATOR_ID.test(integratorId)) throw new Error(`${integratorId} is not a valid integrator id`);
  return `/integrators/${integratorId}`;
};

/** The integrator id of a `/integrators/<id>` source, or undefined for any other source. */
export const integratorIdOfSource = (source: string): string | undefined => SOURCE.exec(source)?.[1];

// ---------------------------------------------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------------------------------------------

export type ScopeDecision = 'ok' | 'site-not-allowed' | 'type-not-allowed';

type Scope = Pick<IntegratorScopeRecord, 'sites' | 'eventTypes'>;

export const IntegratorScope = {
  check(scope: Scope, siteId: string, eventType: string): ScopeDecision {
    if (!scope.sites.includes(ALL) && !scope.sites.includes(siteId)) return 'site-not-allowed';
    if (!scope.eventTypes.includes(ALL) && !scope.eventTypes.includes(eventType)) return 'type-not-allowed';
    return 'ok';
  },

  /** The check as the HTTP edge wants it: a ForbiddenError (403) naming what is outside the scope. */
  assert(scope: Scope & { readonly integratorId: string }, siteId: string, eventType: string): void {
    const decision: ScopeDecision = IntegratorScope.check(scope, siteId, eventType);
    switch (decision) {
      case 'ok':
        return;
      case 'site-not-allowed':
        throw new ForbiddenError(
          `Integrator ${scope.integratorId} may not report for site ${siteId}`,
          'SITE_NOT_ALLOWED',
          { siteId },
        );
      case 'type-not-allowed':
        throw new ForbiddenError(
          `Integrator ${scope.integratorId} may not send ${eventType} events`,
          'EVENT_TYPE_NOT_ALLOWED',
          { eventType },
        );
      default: {
        const unreachable: never = decision;
        throw new Error(`unknown scope decision ${String(unreachable)}`);
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Hashing
// ---------------------------------------------------------------------------------------------------------------

// OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): tens of milliseconds per verification on purpose.
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

const mintKey = async (): Promise<{ keyId: string; apiKey: string; secretHash: string }> => {
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const secretHash = await argon2Hash(secret, ARGON2_OPTIONS);
  return { keyId, apiKey: `clk_${keyId}_${secret}`, secretHash };
};

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

// ---------------------------------------------------------------------------------------------------------------
// Administration
// ---------------------------------------------------------------------------------------------------------------

interface IntegratorRow {
  integrator_id: string;
  name: string;
  sites: string[];
  event_types: string[];
  created_at: Date;
}

interface KeyRow {
  key_id: string;
  integrator_id: string;
  status: 'active' | 'revoked';
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

/** Registers integrators and manages their keys; used by the admin CLI, and by intake to look up a source's scope. */
export class IntegratorKeyStore {
  constructor(
    private readonly pool: Pool,
    private readonly clock: () => Date,
  ) {}

  async register(registration: IntegratorRegistration): Promise<IssuedIntegratorKey> {
    const issues = [
      ...integratorIdIssues(registration.integratorId),
      ...(typeof registration.name === 'string' && registration.name.trim() !== '' && registration.name.length <= 200
        ? []
        : [{ path: 'name', message: 'must be 1-200 characters' }]),
      ...sitesIssues(registration.sites),
      ...eventTypesIssues(registration.eventTypes),
    ];
    if (issues.length > 0) throw new ValidationError('The integrator registration is not valid', issues);
    const key = await mintKey();
    const now = this.clock();
    await inTransaction(this.pool, async (client) => {
      const inserted = await client.query(
        `INSERT INTO access_integrators (integrator_id, name, sites, event_types, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (integrator_id) DO NOTHING`,
        [
          registration.integratorId,
          registration.name.trim(),
          unique(registration.sites),
          unique(registration.eventTypes),
          now,
        ],
      );
      if (inserted.rowCount === 0) {
        throw new CloseloopError(
          'conflict',
          'INTEGRATOR_EXISTS',
          `Integrator ${registration.integratorId} is already registered; rotate its key instead`,
          {
            integratorId: registration.integratorId,
          },
        );
      }
      await this.insertKey(client, registration.integratorId, key, now);
    });
    return { integratorId: registration.integratorId, keyId: key.keyId, apiKey: key.apiKey };
  }

  /** Every integrator with its keys' ids and lifecycle; never a hash. */
  async list(): Promise<IntegratorListing[]> {
    const now = this.clock();
    const integrators = await this.pool.query<IntegratorRow>(
      'SELECT integrator_id, name, sites, event_types, created_at FROM access_integrators ORDER BY integrator_id',
    );
    const keys = await this.pool.query<KeyRow>(
      'SELECT key_id, integrator_id, status, created_at, expires_at, revoked_at FROM access_integrator_keys ORDER BY created_at, key_id',
    );
    return integrators.rows.map((i) => ({
      ...scopeOf(i),
      createdAt: i.created_at,
      keys: keys.rows
        .filter((k) => k.integrator_id === i.integrator_id)
        .map((k) => ({
          keyId: k.key_id,
          status: k.status,
          state: stateOf(k, now),
          createdAt: k.created_at,
          expiresAt: k.expires_at,
          revokedAt: k.revoked_at,
        })),
    }));
  }

  /**
   * A new key; every key that was active keeps working for `overlapSeconds` more (never longer than it already
   * would), so the integrator can deploy the new key before the old one stops. An overlap of 0 ends them now.
   */
  async rotate(integratorId: string, overlapSeconds: number): Promise<RotatedIntegratorKey> {
    if (!Number.isFinite(overlapSeconds) || overlapSeconds < 0) {
      throw new ValidationError('The overlap is not valid', [
        { path: 'overlapSeconds', message: 'must be a number of seconds, 0 or more' },
      ]);
    }
    if (!INTEGRATOR_ID.test(integratorId)) throw new NotFoundError('Integrator', integratorId);
    const key = await mintKey();
    const now = this.clock();
    const endOfOverlap = new Date(now.getTime() + Math.round(overlapSeconds * 1000));
    const expiring = await inTransaction(this.pool, async (client) => {
      // Locking the integrator serialises rotations of one integrator.
      const found = await client.query('SELECT 1 FROM access_integrators WHERE integrator_id = $1 FOR UPDATE', [
        integratorId,
      ]);
      if (found.rowCount === 0) throw new NotFoundError('Integrator', integratorId);
      // LEAST ignores NULL: a key with no end gets the overlap's end, one ending sooner keeps its own.
      const updated = await client.query<{ key_id: string; expires_at: Date }>(
        `UPDATE access_integrator_keys SET expires_at = LEAST(expires_at, $2)
         WHERE integrator_id = $1 AND status = 'active' AND (expires_at IS NULL OR expires_at > $3)
         RETURNING key_id, expires_at`,
        [integratorId, endOfOverlap, now],
      );
      await this.insertKey(client, integratorId, key, now);
      return updated.rows.map((r) => ({ keyId: r.key_id, expiresAt: r.expires_at }));
    });
    return { integratorId, keyId: key.keyId, apiKey: key.apiKey, expiring };
  }

  /**
   * Stops a key on every instance: verifiers that remember it hear of the change at its commit (migration 0042's
   * trigger), the others read the status on each call. Revoking twice is harmless.
   */
  async revoke(keyId: string): Promise<{ keyId: string; integratorId: string; revokedAt: Date }> {
    if (!KEY_ID.test(keyId)) throw new NotFoundError('Integrator key', keyId);
    const { rows } = await this.pool.query<{ integrator_id: string; revoked_at: Date }>(
      `UPDATE access_integrator_keys SET status = 'revoked', revoked_at = COALESCE(revoked_at, $2)
       WHERE key_id = $1 RETURNING integrator_id, revoked_at`,
      [keyId, this.clock()],
    );
    const row = rows[0];
    if (!row) throw new NotFoundError('Integrator key', keyId);
    return { keyId, integratorId: row.integrator_id, revokedAt: row.revoked_at };
  }

  /** Replaces the sites, the event types, or both; effective on the next request. */
  async updateScope(
    integratorId: string,
    change: { sites?: readonly string[]; eventTypes?: readonly string[] },
  ): Promise<IntegratorScopeRecord> {
    const issues = [
      ...(change.sites === undefined && change.eventTypes === undefined
        ? [{ path: '', message: 'give sites, event types or both' }]
        : []),
      ...(change.sites === undefined ? [] : sitesIssues(change.sites)),
      ...(change.eventTypes === undefined ? [] : eventTypesIssues(change.eventTypes)),
    ];
    if (issues.length > 0) throw new ValidationError('The scope change is not valid', issues);
    if (!INTEGRATOR_ID.test(integratorId)) throw new NotFoundError('Integrator', integratorId);
    const { rows } = await this.pool.query<IntegratorRow>(
      `UPDATE access_integrators SET sites = COALESCE($2, sites), event_types = COALESCE($3, event_types)
       WHERE integrator_id = $1 RETURNING integrator_id, name, sites, event_types, created_at`,
      [
        integratorId,
        change.sites === undefined ? null : unique(change.sites),
        change.eventTypes === undefined ? null : unique(change.eventTypes),
      ],
    );
    const row = rows[0];
    if (!row) throw new NotFoundError('Integrator', integratorId);
    return scopeOf(row);
  }

  /** The scope of a registered integrator, or undefined: how the Kafka intake path authorises a CloudEvent's source. */
  async findIntegrator(integratorId: string): Promise<IntegratorScopeRecord | undefined> {
    if (!INTEGRATOR_ID.test(integratorId)) return undefined;
    const { rows } = await this.pool.query<IntegratorRow>(
      'SELECT integrator_id, name, sites, event_types, created_at FROM access_integrators WHERE integrator_id = $1',
      [integratorId],
    );
    return rows[0] ? scopeOf(rows[0]) : undefined;
  }

  /** Whether a CloudEvent source is `/integrators/<id>` of a registered integrator. */
  async isRegisteredSource(source: string): Promise<boolean> {
    const integratorId = integratorIdOfSource(source);
    return integratorId !== undefined && (await this.findIntegrator(integratorId)) !== undefined;
  }

  private async insertKey(
    client: PoolClient,
    integratorId: string,
    key: { keyId: string; secretHash: string },
    now: Date,
  ): Promise<void> {
    await client.query(
      `INSERT INTO access_integrator_keys (key_id, integrator_id, secret_hash, status, created_at) VALUES ($1, $2, $3, 'active', $4)`,
      [key.keyId, integratorId, key.secretHash, now],
    );
  }
}

const scopeOf = (row: IntegratorRow): IntegratorScopeRecord => ({
  integratorId: row.integrator_id,
  name: row.name,
  sites: row.sites,
  eventTypes: row.event_types,
});

const usableAt = (key: Pick<KeyRow, 'status' | 'expires_at'>, now: Date): boolean =>
  key.status === 'active' && (key.expires_at === null || key.expires_at.getTime() > now.getTime());

const stateOf = (key: KeyRow, now: Date): IntegratorKeyState => {
  if (key.status === 'revoked') return 'revoked';
  if (key.expires_at === null) return 'active';
  return usableAt(key, now) ? 'expiring' : 'expired';
};

const unique = (values: readonly string[]): string[] => [...new Set(values)];

const integratorIdIssues = (integratorId: unknown): FieldIssue[] =>
  typeof integratorId === 'string' && INTEGRATOR_ID.test(integratorId)
    ? []
    : [
        {
          path: 'integratorId',
          message: 'must be 1-64 lower-case letters, digits, "-" or "_", starting with a letter or digit',
        },
      ];

const sitesIssues = (sites: readonly string[] | undefined): FieldIssue[] => {
  if (!Array.isArray(sites) || sites.length === 0)
    return [{ path: 'sites', message: `must list at least one site, or ${ALL} for all` }];
  return sites.flatMap((site, i) =>
    site === ALL || (typeof site === 'string' && SITE_ID.test(site))
      ? []
      : [{ path: `sites.${i}`, message: `${String(site)} is not a site id` }],
  );
};

const knownEventTypes: readonly string[] = Object.values(IntakeEventTypes);

const eventTypesIssues = (eventTypes: readonly string[] | undefined): FieldIssue[] => {
  if (!Array.isArray(eventTypes) || eventTypes.length === 0)
    return [{ path: 'eventTypes', message: `must list at least one event type, or ${ALL} for all` }];
  return eventTypes.flatMap((type, i) =>
    type === ALL || knownEventTypes.includes(type)
      ? []
      : [
          {
            path: `eventTypes.${i}`,
            message: `${String(type)} is not an intake event type; known: ${knownEventTypes.join(', ')}`,
          },
        ],
  );
};

// ---------------------------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------------------------

interface VerifyRow {
  key_id: string;
  integrator_id: string;
  secret_hash: string;
  status: 'active' | 'revoked';
  expires_at: Date | null;
  sites: string[];
  event_types: string[];
}

/** What a verifier remembers of a key that verified: enough to skip argon2, and to answer without the database. */
interface VerifiedKey {
  readonly secretDigest: Buffer;
  readonly secretHash: string;
  readonly principal: IntegratorPrincipal;
  readonly expiresAt: Date | null;
  /** The key changes' generation before the row was read, and when it was read (by the verifier's clock). */
  readonly generation: number;
  readonly readAt: number;
}

export interface IntegratorKeyVerifierOptions {
  /** Keys remembered at most; the least recently used is dropped. */
  readonly cacheSize?: number;
  /**
   * How long a verified key is answered from memory, without reading its row, while `changes` listens. 0 (the
   * default) reads the row on every call.
   */
  readonly rememberMillis?: number;
  /** The change notifications that end what is remembered at once; required with `rememberMillis`. */
  readonly changes?: IntegratorKeyChanges;
}

/** A short bound on trusting memory, should a change's notification be lost without the connection noticing. */
export const VERIFIED_KEY_REMEMBER_MILLIS = 10_000;

/**
 * Checks a presented API key against its row: its status, expiry and the integrator's scope.
 *
 * Argon2id is slow on purpose (tens of ms of CPU and 19 MiB per check), which a busy integrator would pay on every
 * request. So a successful check is remembered: per key id, the SHA-256 of the secret that verified, the hash it
 * verified against, and what the row said. Digests are compared in constant time. Failures are not remembered, so
 * guessing cannot fill it, and it is bounded, dropping the least recently used entry.
 *
 * Without `rememberMillis` every call still reads the row, and memory only stands in for argon2 while the stored
 * hash is the one it was made against: a revocation, an expiry or a narrowed scope holds from the next call.
 *
 * With it, a key verified within that time is answered from memory, with no round trip (docs/adr/0038): every change
 * to an integrator or a key notifies every verifier at its commit (migration 0042), and a notification, or the
 * listening connection being made or lost, ends everything remembered before it, on every instance. Memory is used
 * only while listening; an expiry is checked against the remembered end on each call. So a revocation holds on an
 * instance as soon as its notification arrives there, milliseconds after the commit, where reading the row on each
 * call made it hold for calls that began after the commit; `rememberMillis` bounds the damage of a notification lost
 * unnoticed.
 *
 * Key ids are not secret (they are listed and logged), so an unknown one may answer faster than a wrong secret.
 * Anyone who knows a key id can make an instance run argon2 once per request: rate-limit before verifying.
 */
export class IntegratorKeyVerifier {
  private readonly verified: BoundedMemory<string, VerifiedKey>;
  private readonly rememberMillis: number;
  private readonly changes: IntegratorKeyChanges | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly clock: () => Date,
    options: IntegratorKeyVerifierOptions = {},
  ) {
    this.verified = new BoundedMemory(options.cacheSize ?? 1_000);
    this.rememberMillis = options.rememberMillis ?? 0;
    this.changes = options.changes;
    if (this.rememberMillis > 0 && !this.changes) throw new Error('remembering verified keys needs their changes');
  }

  /** The integrator behind a key, or undefined for a malformed, unknown, wrong, revoked or expired one. */
  async verify(presentedKey: string): Promise<IntegratorPrincipal | undefined> {
    const parsed = parseIntegratorKey(presentedKey);
    if (!parsed) return undefined;
    const digest = sha256(parsed.secret);
    const now = this.clock();
    const remembered = this.verified.get(parsed.keyId);
    if (remembered && this.stillTrusted(remembered, now) && timingSafeEqual(remembered.secretDigest, digest)) {
      this.touch(parsed.keyId, remembered);
      return remembered.principal;
    }
    this.changes?.start();
    const generation = this.changes?.generation ?? 0;
    const { rows } = await this.pool.query<VerifyRow>(
      `SELECT k.key_id, k.integrator_id, k.secret_hash, k.status, k.expires_at, i.sites, i.event_types
       FROM access_integrator_keys k JOIN access_integrators i ON i.integrator_id = k.integrator_id
       WHERE k.key_id = $1`,
      [parsed.keyId],
    );
    const row = rows[0];
    if (!row || !usableAt(row, now)) return undefined;
    const argon2Known =
      remembered !== undefined &&
      remembered.secretHash === row.secret_hash &&
      timingSafeEqual(remembered.secretDigest, digest);
    if (!argon2Known && !(await argon2Verify(row.secret_hash, parsed.secret))) return undefined;
    const principal: IntegratorPrincipal = {
      kind: 'integrator',
      integratorId: row.integrator_id,
      keyId: row.key_id,
      sites: row.sites,
      eventTypes: row.event_types,
    };
    this.touch(row.key_id, {
      secretDigest: digest,
      secretHash: row.secret_hash,
      principal,
      expiresAt: row.expires_at,
      generation,
      readAt: now.getTime(),
    });
    return principal;
  }

  /** Stops listening for changes; memory is not trusted after. */
  async close(): Promise<void> {
    await this.changes?.close();
  }

  /** Whether what was read of a key may still answer for it without reading its row again. */
  private stillTrusted(remembered: VerifiedKey, now: Date): boolean {
    const changes = this.changes;
    return (
      changes !== undefined &&
      changes.live &&
      remembered.generation === changes.generation &&
      now.getTime() - remembered.readAt < this.rememberMillis &&
      (remembered.expiresAt === null || remembered.expiresAt.getTime() > now.getTime())
    );
  }

  private touch(keyId: string, entry: VerifiedKey): void {
    this.verified.remember(keyId, entry);
  }
}
