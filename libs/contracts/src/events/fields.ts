import { z } from 'zod';

// Field schemas the events of more than one stream share.

export const isoInstant = z.string().datetime({ offset: true });
export const workOrderId = z.string().uuid();
export const note = (max: number) => z.string().trim().min(1).max(max);

export const StaffMemberSchema = z
  .object({ staffId: z.string().min(1).max(64), name: z.string().min(1).max(100) })
  .strict();
export type StaffMemberRef = z.infer<typeof StaffMemberSchema>;
