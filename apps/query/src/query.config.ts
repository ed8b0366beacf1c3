import { baseServiceConfig, residentSecretSetting } from '@closeloop/config';
import { z } from 'zod';

export const queryConfigSchema = baseServiceConfig.extend({
  /** Keys caller phone digests (the caller lookup, ADR 28): the same value in intake, query and notification. */
  RESIDENT_SECRET: residentSecretSetting,
});
export type QueryConfig = z.infer<typeof queryConfigSchema>;

export const QUERY_CONFIG = Symbol('QueryConfig');
/** ResidentKeys of RESIDENT_SECRET. */
export const RESIDENT_KEYS = Symbol('ResidentKeys');
