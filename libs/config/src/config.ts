import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';

/**
 * Configuration is read once at start-up and validated; a missing or malformed value stops the service with a
 * message naming the variable. Nothing that points at a server has a default here: local values live in
 * .env.example and the scripts that start the stack.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const loadConfig = <S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  }
  return parsed.data;
};

/** Reads and validates a JSON configuration file named by an environment variable. */
export const loadJsonFile = <S extends z.ZodTypeAny>(variable: string, path: string, schema: S): z.infer<S> => {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${variable}: cannot read ${path} as JSON (${(error as Error).message})`]);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${variable} (${path}) at ${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
};

const postgresUrl = z
  .string({ required_error: 'is required (e.g. postgres://postgres@127.0.0.1:5432/closeloop)' })
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL');

const brokerList = z
  .string({ required_error: 'is required (e.g. 127.0.0.1:9092)' })
  .transform((value) =>
    value
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .refine(
    (brokers) => brokers.length > 0 && brokers.every((b) => /^[^\s:]+:\d{1,5}$/.test(b)),
    'must be a comma-separated list of host:port',
  );

/** A whole number of milliseconds from the environment, with a default. */
const millis = (fallback: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .default(String(fallback));

/** The settings every Closeloop service shares. */
export const baseServiceConfig = z.object({
  DATABASE_URL: postgresUrl,
  KAFKA_BROKERS: brokerList,
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z0-9._-]*$/, 'may hold only lower-case letters, digits, ".", "_" and "-"')
    .default(''),
  KAFKA_CLIENT_ID_SUFFIX: z.string().default(''),
  /**
   * Broker identity (deploy/kafka-production): a SCRAM user per service over TLS. All optional, so the local
   * PLAINTEXT broker needs none; kafkaSecurityOf checks that they fit together.
   */
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_SSL: z
    .enum(['true', 'false'], { message: "must be 'true' or 'false'" })
    .default('false')
    .transform((value) => value === 'true'),
  /** A PEM file of the CA that signed the brokers' certificates, when it is not one Node trusts already. */
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  /**
   * How fast the consumer group notices a dead member and hands its partitions on (docs/adr/0014-fast-recovery.md).
   * kafkajs has no static membership, so a restarted instance is a new member: its work waits for the old member's
   * session to expire. kafkaConsumerTimingOf checks that the three fit together.
   */
  KAFKA_SESSION_TIMEOUT_MS: millis(6_000),
  KAFKA_HEARTBEAT_INTERVAL_MS: millis(1_000),
  KAFKA_REBALANCE_TIMEOUT_MS: millis(30_000),
  /** How long a graceful shutdown (SIGTERM) may take before the process exits 1; below a supervisor's kill deadline. */
  SHUTDOWN_TIMEOUT_MS: millis(10_000),
  PORT: z
    .string({
      required_error: 'is required (intake 3001, dispatch 3002, sla-timer 3003, notification 3004, query 3005)',
    })
    .regex(/^\d{1,5}$/, 'must be a port number')
    .transform(Number)
    .refine((port) => port >= 1 && port <= 65535, 'must be between 1 and 65535'),
  /** The address this service listens on; containers set 0.0.0.0. */
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug']).default('log'),
  /** json: one JSON object per line (the default, for log shippers); pretty: readable lines (the local stack). */
  LOG_FORMAT: z.enum(['json', 'pretty'], { message: "must be 'json' or 'pretty'" }).default('json'),
  /**
   * The port of GET /metrics (Prometheus text), apart from the API: unset, the service's own (intake 9101, dispatch
   * 9102, sla-timer 9103, notification 9104, query 9105, console 9106); 0 a free one; off serves no metrics.
   */
  METRICS_PORT: z
    .string()
    .regex(/^(off|\d{1,5})$/, "must be a port number, 0 for a free one, or 'off'")
    .transform((value) => (value === 'off' ? ('off' as const) : Number(value)))
    .refine((port) => port === 'off' || port <= 65535, 'must be between 0 and 65535')
    .optional(),
  /** Staff bearer tokens are JWTs from this issuer, for this audience (a Keycloak realm, say). */
  STAFF_TOKEN_ISSUER: z.string().min(1, 'is required: the issuer (iss) of staff tokens'),
  STAFF_TOKEN_AUDIENCE: z.string().min(1).default('closeloop'),
  /** Where the issuer's signing keys are: its JWKS URL, or a JWKS file (the admin tool's local key). One of the two. */
  STAFF_JWKS_URL: z.string().url().optional(),
  STAFF_JWKS_FILE: z.string().min(1).optional(),
  /**
   * How many seconds an expired (or not yet valid) staff token is still accepted, for clock drift between the
   * identity provider and this service. 0-5, default 5: a larger value keeps expired tokens working.
   */
  CLOCK_TOLERANCE_SECONDS: z.coerce
    .number({ message: 'must be a whole number of seconds, 0 to 5' })
    .int('must be a whole number of seconds, 0 to 5')
    .min(0, 'must be a whole number of seconds, 0 to 5')
    .max(5, 'must be at most 5 seconds: every second more keeps expired staff tokens working')
    .default(5),
  /** Requests per minute allowed per integrator key and per staff member, across all instances. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /**
   * Where the event streams live (docs/adr/0002-postgresql-event-store.md): the PostgreSQL database above, or a
   * KurrentDB server named by KURRENTDB_URL. Every service of a deployment must name the same store.
   */
  EVENT_STORE: z.enum(['postgres', 'kurrentdb'], { message: "must be 'postgres' or 'kurrentdb'" }).default('postgres'),
  KURRENTDB_URL: z
    .string()
    .regex(
      /^(kurrentdb|kurrent|kdb)(\+discover)?:\/\/\S+$/,
      'must be a KurrentDB connection string, e.g. kurrentdb://127.0.0.1:2113?tls=false',
    )
    .optional(),
});
export type BaseServiceConfig = z.infer<typeof baseServiceConfig>;

/**
 * intake, query and notification: the one secret residents' status links and caller phone digests are keyed by
 * (ResidentKeys in libs/auth). The same value in every service; a new one revokes every status link.
 */
export const residentSecretSetting = z
  .string({ required_error: 'is required: at least 32 characters, the same in intake, query and notification' })
  .min(32, 'must be at least 32 characters');

export type EventStoreSettings = { readonly kind: 'postgres' } | { readonly kind: 'kurrentdb'; readonly url: string };

/** The event store to use; refuses a KurrentDB choice without its server, and a server given for no reason. */
export const eventStoreOf = (config: Pick<BaseServiceConfig, 'EVENT_STORE' | 'KURRENTDB_URL'>): EventStoreSettings => {
  if (config.EVENT_STORE === 'kurrentdb') {
    if (!config.KURRENTDB_URL)
      throw new ConfigError([
        'KURRENTDB_URL: is required when EVENT_STORE is kurrentdb (e.g. kurrentdb://127.0.0.1:2113?tls=false)',
      ]);
    return { kind: 'kurrentdb', url: config.KURRENTDB_URL };
  }
  if (config.KURRENTDB_URL) throw new ConfigError(["KURRENTDB_URL: is set but EVENT_STORE is not 'kurrentdb'"]);
  return { kind: 'postgres' };
};

/** The staff JWKS source; refuses a configuration that names neither (or both), so no service starts unable to check tokens. */
export const staffJwksOf = (
  config: Pick<BaseServiceConfig, 'STAFF_JWKS_URL' | 'STAFF_JWKS_FILE'>,
): { url: string } | { file: string } => {
  if (config.STAFF_JWKS_URL && config.STAFF_JWKS_FILE)
    throw new ConfigError(['STAFF_JWKS_URL and STAFF_JWKS_FILE: set one, not both']);
  if (config.STAFF_JWKS_URL) return { url: config.STAFF_JWKS_URL };
  if (config.STAFF_JWKS_FILE) return { file: config.STAFF_JWKS_FILE };
  throw new ConfigError(['STAFF_JWKS_URL or STAFF_JWKS_FILE: one is required, to verify staff tokens']);
};

/** The kafkajs `sasl` and `ssl` client options, spelled out here so this library needs no kafkajs. */
type ScramOptions =
  | { readonly mechanism: 'scram-sha-256'; readonly username: string; readonly password: string }
  | { readonly mechanism: 'scram-sha-512'; readonly username: string; readonly password: string };

export interface KafkaSecurity {
  readonly sasl?: ScramOptions;
  readonly ssl: boolean | { readonly ca: string[] };
}

type KafkaSecuritySettings = Pick<
  BaseServiceConfig,
  'KAFKA_SASL_MECHANISM' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD' | 'KAFKA_SSL' | 'KAFKA_SSL_CA_FILE'
>;

/**
 * The Kafka client's credentials and TLS; refuses half a configuration (a mechanism without its user, a user
 * without a mechanism, a CA file without TLS) so no service quietly connects without the identity it was given.
 * Problems name variables only, never the password.
 */
export const kafkaSecurityOf = (config: KafkaSecuritySettings): KafkaSecurity => {
  const problems: string[] = [];
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
  if (mechanism) {
    if (!username) problems.push(`KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM is set`);
    if (!password) problems.push(`KAFKA_SASL_PASSWORD: is required when KAFKA_SASL_MECHANISM is set`);
  } else {
    if (username)
      problems.push(
        'KAFKA_SASL_MECHANISM: is required when KAFKA_SASL_USERNAME is set (scram-sha-256 or scram-sha-512)',
      );
    if (password)
      problems.push(
        'KAFKA_SASL_MECHANISM: is required when KAFKA_SASL_PASSWORD is set (scram-sha-256 or scram-sha-512)',
      );
  }
  if (config.KAFKA_SSL_CA_FILE && !config.KAFKA_SSL)
    problems.push("KAFKA_SSL_CA_FILE: is set but KAFKA_SSL is not 'true'");
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);

  let ssl: KafkaSecurity['ssl'] = config.KAFKA_SSL;
  if (config.KAFKA_SSL && config.KAFKA_SSL_CA_FILE) {
    try {
      ssl = { ca: [readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8')] };
    } catch (error) {
      throw new ConfigError([
        `KAFKA_SSL_CA_FILE: cannot read ${config.KAFKA_SSL_CA_FILE} (${(error as Error).message})`,
      ]);
    }
  }
  return mechanism && username && password ? { sasl: { mechanism, username, password }, ssl } : { ssl };
};

/**
 * A JSON configuration file that people edit while the service runs (a roster, say): read at start-up, where a bad
 * file stops the service, then re-read whenever its modification time changes. A bad edit later keeps the last good
 * version and reports why, so a typo never takes routing down.
 */
export class ReloadingJsonFile<S extends z.ZodTypeAny> {
  private current: z.infer<S>;
  private loadedMtimeMs: number;

  constructor(
    private readonly variable: string,
    private readonly path: string,
    private readonly schema: S,
    private readonly onRejectedEdit: (problem: string) => void,
  ) {
    this.current = loadJsonFile(variable, path, schema);
    this.loadedMtimeMs = statSync(path).mtimeMs;
  }

  get(): z.infer<S> {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.path).mtimeMs;
    } catch (error) {
      this.onRejectedEdit(
        `${this.variable}: ${this.path} is unreadable (${(error as Error).message}); keeping the last good version`,
      );
      return this.current;
    }
    if (mtimeMs === this.loadedMtimeMs) return this.current;
    this.loadedMtimeMs = mtimeMs;
    try {
      this.current = loadJsonFile(this.variable, this.path, this.schema);
    } catch (error) {
      this.onRejectedEdit(`${(error as Error).message}; keeping the last good version`);
    }
    return this.current;
  }
}

/** The consumer group's timing, as kafkajs takes it. */
export interface KafkaConsumerTiming {
  readonly sessionTimeout: number;
  readonly heartbeatInterval: number;
  readonly rebalanceTimeout: number;
}

/**
 * The consumer's timing; refuses values the broker would refuse at the first join (a session outside the broker's
 * default bounds, group.min.session.timeout.ms 6 s and group.max.session.timeout.ms 30 min) and combinations that evict
 * living members: fewer than three heartbeats per session, or a rebalance shorter than a session.
 */
export const kafkaConsumerTimingOf = (
  config: Pick<
    BaseServiceConfig,
    'KAFKA_SESSION_TIMEOUT_MS' | 'KAFKA_HEARTBEAT_INTERVAL_MS' | 'KAFKA_REBALANCE_TIMEOUT_MS'
  >,
): KafkaConsumerTiming => {
  const {
    KAFKA_SESSION_TIMEOUT_MS: session,
    KAFKA_HEARTBEAT_INTERVAL_MS: heartbeat,
    KAFKA_REBALANCE_TIMEOUT_MS: rebalance,
  } = config;
  const problems: string[] = [];
  if (session < 6_000 || session > 1_800_000)
    problems.push(
      `KAFKA_SESSION_TIMEOUT_MS: must be between 6000 and 1800000 (the broker's default bounds), got ${session}`,
    );
  if (heartbeat < 100) problems.push(`KAFKA_HEARTBEAT_INTERVAL_MS: must be at least 100, got ${heartbeat}`);
  if (heartbeat * 3 > session)
    problems.push(
      `KAFKA_HEARTBEAT_INTERVAL_MS: must be at most a third of KAFKA_SESSION_TIMEOUT_MS (${Math.floor(session / 3)}), got ${heartbeat}`,
    );
  if (rebalance < session)
    problems.push(
      `KAFKA_REBALANCE_TIMEOUT_MS: must be at least KAFKA_SESSION_TIMEOUT_MS (${session}), got ${rebalance}`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return { sessionTimeout: session, heartbeatInterval: heartbeat, rebalanceTimeout: rebalance };
};

/**
 * Refuses a backoff whose longest wait is set below its first one, naming the longest: pass it to the schema's
 * `superRefine` with the two variables' names, as `maxNotBelowBase('X_RETRY_BASE_MILLIS', 'X_RETRY_MAX_MILLIS')`.
 */
export const maxNotBelowBase =
  <Base extends string, Max extends string>(base: Base, max: Max) =>
  (config: Readonly<Record<Base | Max, number>>, context: z.RefinementCtx): void => {
    if (config[base] > config[max])
      context.addIssue({ code: z.ZodIssueCode.custom, message: `${max} must not be less than ${base}`, path: [max] });
  };
