import { z } from 'zod';

/** Who caused an event: an integrator's system, a staff member, the resident, or Closeloop itself. */
export const ActorSchema = z
  .object({ kind: z.enum(['integrator', 'staff', 'resident', 'system']), id: z.string().min(1) })
  .strict();
export type Actor = z.infer<typeof ActorSchema>;

/**
 * Where a command comes from, as its command path records it on the events it writes: who acts, the conversation it
 * belongs to (correlation) and the message that caused it (causation).
 */
export interface CommandOrigin {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string;
}

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

/**
 * The metadata of any stored event as the relay publishes it: a work order's events carry the order's id, which
 * keys them on Kafka; an event about something else (an inquiry, which may never become an order) carries the key
 * of its own stream instead, `partitionKey`, so all of that stream's events share a partition, in order. An event
 * with both is keyed by `partitionKey`: its stream's order is what its consumers rely on.
 */
export const PublishedEventMetadataSchema = z
  .object({
    workOrderId: z.string().uuid().optional(),
    partitionKey: z.string().min(1).max(200).optional(),
    correlationId: z.string().min(1),
    causationId: z.string().min(1),
    actor: ActorSchema,
    producer: z.string().min(1),
  })
  .passthrough()
  .refine((m) => m.workOrderId !== undefined || m.partitionKey !== undefined, {
    message: 'an event names its work order or the partition key of its stream',
    path: ['partitionKey'],
  });
export type PublishedEventMetadata = z.infer<typeof PublishedEventMetadataSchema>;
