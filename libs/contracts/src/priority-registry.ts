import { z } from 'zod';
import { calendarDate, PriorityNeedSchema } from './events/priority-resident.events';
import { IdentifierSchema, TextSchema } from './input-policy';
import { ResidentContactSchema } from './report';

/** A real calendar day, not only its shape (2027-02-30 is refused). */
const realDate = calendarDate.refine((d) => {
  const parsed = new Date(`${d}T00:00:00Z`);
  return (
    !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === d && d >= '2000-01-01' && d < '2100-01-01'
  );
}, 'must be a real date between 2000 and 2099');

/** POST /v1/residents: a vulnerable resident registered by the site's staff, with their consent (ADR 28). */
export const RegisterPriorityResidentSchema = z
  .object({
    siteId: IdentifierSchema,
    building: TextSchema(64).optional(),
    unit: TextSchema(64),
    /** The number they call from; kept only as a keyed digest and a masked form. */
    phone: ResidentContactSchema.shape.phone.unwrap(),
    name: TextSchema(100).optional(),
    need: PriorityNeedSchema,
    consent: z
      .object({
        /** Who agreed: the resident, or who spoke for them ("daughter", "guardian"). */
        givenBy: TextSchema(100),
        givenOn: realDate,
      })
      .strict(),
    /** The day the registration lapses unless renewed: at most two years ahead. */
    reviewOn: realDate,
  })
  .strict();
export type RegisterPriorityResident = z.infer<typeof RegisterPriorityResidentSchema>;

/** DELETE /v1/residents/{id}?reason=: why the registration ends. */
export const RemovePriorityResidentQuerySchema = z.object({ reason: TextSchema(500) }).strict();
