import { baseServiceConfig } from '@closeloop/config';
import { z } from 'zod';

export const queryConfigSchema = baseServiceConfig.extend({
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
export const RECORD_SIGNING_KEY = Symbol('RecordSigningKey');
