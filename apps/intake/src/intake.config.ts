import { baseServiceConfig } from '@closeloop/config';
import { z } from 'zod';

export const intakeConfigSchema = baseServiceConfig.extend({
  TRIAGE_RULES_FILE: z.string().min(1).default('config/triage-rules.json'),
  /** Numbering days follow the site's clock; one zone serves every site until sites carry their own. */
  SITE_TIME_ZONE: z
    .string()
    .default('Asia/Shanghai')
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Asia/Shanghai'),
});
export type IntakeConfig = z.infer<typeof intakeConfigSchema>;
export const INTAKE_CONFIG = Symbol('IntakeConfig');
export const TRIAGE_RULES = Symbol('TriageRules');
export const WORK_ORDER_COMMANDS = Symbol('WorkOrderCommands');
