import { baseServiceConfig } from '@closeloop/config';
import { z } from 'zod';

export const dispatchConfigSchema = baseServiceConfig.extend({
  ROSTER_FILE: z.string().min(1).default('config/roster.json'),
  /** How long after closure staff may still reopen an order instead of taking a new report (default 7 days). */
  REOPEN_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  /** How often dispatch looks whether a UTC day's audit anchor is due (docs/adr/0033); 0 turns the worker off. */
  AUDIT_ANCHOR_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(600),
});
export type DispatchConfig = z.infer<typeof dispatchConfigSchema>;
export const ROSTER = Symbol('Roster');
export const DISPATCH_CONFIG = Symbol('DispatchConfig');
export const WORK_ORDER_COMMANDS = Symbol('WorkOrderCommands');
