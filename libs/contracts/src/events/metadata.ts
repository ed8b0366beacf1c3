import { z } from 'zod';

/** Who caused an event: an integrator's system, a staff member, the resident, or Closeloop itself. */
export const ActorSchema = z
  .object({ kind: z.enum(['integrator', 'staff', 'resident', 'system']), id: z.string().min(1) })
  .strict();
export type Actor = z.infer<typeof ActorSchema>;

/** Carried by every stored event; the relay turns it into CloudEvents extension attributes. */
export const EventMetadataSchema = z
  .object({
    workOrderId: z.string().uuid(),
    correlationId: z.string().min(1),
    causationId: z.string().min(1),
    actor: ActorSchema,
    /** The service that decided the event, e.g. "intake". */
    producer: z.string().min(1),
  })
  .passthrough();
export type EventMetadata = z.infer<typeof EventMetadataSchema>;
