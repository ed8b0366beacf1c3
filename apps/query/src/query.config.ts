import { baseServiceConfig, residentSecretSetting } from '@closeloop/config';
import { z } from 'zod';

export const queryConfigSchema = baseServiceConfig.extend({
  /** Keys residents' status links (ADR 26) and caller phone digests (ADR 28); the same value in intake, query and notification. */
  RESIDENT_SECRET: residentSecretSetting,
  /** Requests a client address may make to the resident's view (`GET /v1/resident/orders/{token}`) per minute. */
  RESIDENT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  /**
   * The Ed25519 private JWK that signs order records (docs/adr/0033-tamper-evident-event-chain.md). A deployment
   * names its own key and sets RECORD_SIGNING_KEY_CREATE=false; the local stack's is made on first use.
   */
  RECORD_SIGNING_KEY_FILE: z.string().min(1).default('.local/keys/record-signing-key.json'),
  /** Whether a missing key file is made (the local stack, tests) or stops the service (production). */
  RECORD_SIGNING_KEY_CREATE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});
export type QueryConfig = z.infer<typeof queryConfigSchema>;

export const QUERY_CONFIG = Symbol('QueryConfig');
/** The keys of residents' status links and caller phone digests (ResidentKeys in libs/auth). */
export const RESIDENT_KEYS = Symbol('ResidentKeys');
export const RECORD_SIGNING_KEY = Symbol('RecordSigningKey');
