import { baseServiceConfig } from '@closeloop/config';
import { DEFAULT_SITE_TIME_ZONE, TimeZoneSchema } from '@closeloop/contracts';
import { z } from 'zod';

export const intakeConfigSchema = baseServiceConfig.extend({
  /** A second report of the same problem within this window joins the open order (default 1 day). */
  DUPLICATE_WINDOW_SECONDS: z.coerce.number().int().nonnegative().default(24 * 3600),
  /** How alike two descriptions must be, 0 to 1, to count as the same problem; 1 in effect turns linking off. */
  DUPLICATE_MIN_SIMILARITY: z.coerce.number().min(0).max(1).default(0.35),
  TRIAGE_RULES_FILE: z.string().min(1).default('config/triage-rules.json'),
  /** Numbering days follow the site's clock; one zone serves every site until sites carry their own. */
  SITE_TIME_ZONE: TimeZoneSchema.default(DEFAULT_SITE_TIME_ZONE),
});
export type IntakeConfig = z.infer<typeof intakeConfigSchema>;
export const INTAKE_CONFIG = Symbol('IntakeConfig');
export const TRIAGE_RULES = Symbol('TriageRules');
export const WORK_ORDER_COMMANDS = Symbol('WorkOrderCommands');
/** The relay's checkpoint and parked events (libs/messaging RelayStateRepository), for the admin API. */
export const RELAY_STATE = Symbol('RelayState');
