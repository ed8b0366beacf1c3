import { baseServiceConfig, residentSecretSetting } from '@closeloop/config';
import { z } from 'zod';

export const queryConfigSchema = baseServiceConfig.extend({
  /** Keys residents' status links (ADR 26) and caller phone digests (ADR 28); the same value in intake, query and notification. */
  RESIDENT_SECRET: residentSecretSetting,
  /** Requests a client address may make to the resident's view (`GET /v1/resident/orders/{token}`) per minute. */
  RESIDENT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
});
export type QueryConfig = z.infer<typeof queryConfigSchema>;

export const QUERY_CONFIG = Symbol('QueryConfig');
/** The keys of residents' status links (ResidentKeys in libs/auth). */
export const RESIDENT_KEYS = Symbol('ResidentKeys');
/** The per-address budget of the resident's view. */
export const RESIDENT_RATE_LIMITER = Symbol('ResidentRateLimiter');
