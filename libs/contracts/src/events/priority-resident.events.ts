import { z } from 'zod';
import { isoInstant, note, siteId, StaffMemberSchema } from './fields';
import { defineEvent, EventUnionOf, eventRegistry } from './registry';

// ── The priority registry (the `priority-resident-<id>` stream, intake) ─────────────────────────────────────
// A vulnerable resident (elderly living alone, a disability, a medical need) registered by the site's staff with
// their consent, so a report from their unit or phone in a safety-related category is triaged one tier up (ADR 28).
// A registration ends when staff remove it or when its review date passes without renewal; both are events.

/** Why the resident is in the registry: the lane's reason names it. */
export const PriorityNeedSchema = z.enum(['elderly-living-alone', 'disability', 'medical-need']);
export type PriorityNeed = z.infer<typeof PriorityNeedSchema>;

/** A calendar date in the site's zone, `YYYY-MM-DD`. */
export const calendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD');

/** Who agreed to the registration, which staff member recorded it, and on which day. */
export const PriorityConsentSchema = z
  .object({
    /** The resident themselves, or who spoke for them (a family member, a guardian, the neighbourhood committee). */
    givenBy: z.string().trim().min(1).max(100),
    recordedBy: StaffMemberSchema,
    givenOn: calendarDate,
  })
  .strict();

export const registrationId = z.string().uuid();

export const PriorityResidentRegisteredData = z
  .object({
    registrationId,
    siteId,
    building: z.string().optional(),
    unit: z.string().min(1),
    /**
     * The phone is never kept whole: the keyed digest (ResidentKeys.phoneDigest of RESIDENT_SECRET) is what a report
     * is matched by, the masked form ("138****5678") what staff see. A new secret leaves these digests stale until
     * the resident is registered again; the unit still matches meanwhile.
     */
    phoneDigest: z.string().regex(/^[0-9a-f]{64}$/),
    phoneMasked: z.string().max(32),
    name: z.string().max(100).optional(),
    need: PriorityNeedSchema,
    consent: PriorityConsentSchema,
    /** The day the registration lapses unless it is renewed (registered again). */
    reviewOn: calendarDate,
    registeredAt: isoInstant,
  })
  .strict();

export const PriorityResidentRemovedData = z
  .object({ registrationId, siteId, reason: note(500), removedBy: StaffMemberSchema, removedAt: isoInstant })
  .strict();

export const PriorityResidentExpiredData = z
  .object({ registrationId, siteId, reviewOn: calendarDate, expiredAt: isoInstant })
  .strict();

export const priorityResidentEvents = eventRegistry({
  PriorityResidentRegistered: defineEvent('closeloop.priority-resident.registered.v1', PriorityResidentRegisteredData),
  PriorityResidentRemoved: defineEvent('closeloop.priority-resident.removed.v1', PriorityResidentRemovedData),
  PriorityResidentExpired: defineEvent('closeloop.priority-resident.expired.v1', PriorityResidentExpiredData),
});

export type PriorityResidentEvent = EventUnionOf<typeof priorityResidentEvents>;
