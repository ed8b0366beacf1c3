import { baseServiceConfig } from '@closeloop/config';
import { z } from 'zod';

export const dispatchConfigSchema = baseServiceConfig.extend({
  ROSTER_FILE: z.string().min(1).default('config/roster.json'),
});
export type DispatchConfig = z.infer<typeof dispatchConfigSchema>;
export const ROSTER = Symbol('Roster');
