import { z } from 'zod';

// Field schemas the events of more than one stream share.

export const isoInstant = z.string().datetime({ offset: true });
export const workOrderId = z.string().uuid();
export const siteId = z.string().min(1);
export const alertId = z.string().uuid();
export const note = (max: number) => z.string().trim().min(1).max(max);

/** A staff member's id, as the identity provider issues it. */
export const staffId = z.string().min(1).max(64);
export const StaffMemberSchema = z.object({ staffId, name: z.string().min(1).max(100) }).strict();
export type StaffMemberRef = z.infer<typeof StaffMemberSchema>;

/** The order's loop round: 0 until it is first reopened, then one more with each reopen. */
export const loopRound = z.number().int().nonnegative();

/** How far an SLA breach has climbed: 1 site supervisor on call, 2 service manager, 3 operations head. */
export const escalationLevel = z.number().int().min(1).max(3);

/**
 * A delivery that gave up (its retries ran out, or the channel refused for good): how many times it was tried, and
 * the last error. An alert's dead letter and a resident notice's failure say it the same way.
 */
export const gaveUpDelivery = { attempts: z.number().int().positive(), reason: z.string().max(500) };
