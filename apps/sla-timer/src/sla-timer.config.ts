import { baseServiceConfig } from '@closeloop/config';
import { z } from 'zod';

export const slaTimerConfigSchema = baseServiceConfig.extend({
  SLA_POLICY_FILE: z.string().min(1).default('config/sla-policy.json'),
});
export type SlaTimerConfig = z.infer<typeof slaTimerConfigSchema>;
export const SLA_POLICY = Symbol('SlaPolicy');
