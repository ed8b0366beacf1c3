import { z } from 'zod';
import { Actor, defineEvent, EventMetadata, eventRegistry } from './events';
import { InstantSchema } from './input-policy';
import {
  FollowUpContactSchema,
  ReportDetailsSchema,
  ResolutionConfirmedSchema,
  ResolutionRejectedSchema,
  WorkOrderReferenceSchema,
} from './report';

export const CloudEventContentTypes = {
  structured: 'application/cloudevents+json',
  batch: 'application/cloudevents-batch+json',
} as const;

/** What integrators may send to intake, over HTTP or on the intake topic. */
export const intakeEvents = eventRegistry({
  ReportSubmitted: defineEvent('closeloop.intake.report-submitted.v1', ReportDetailsSchema),
  FollowUpContact: defineEvent(
    'closeloop.intake.follow-up-contact.v1',
    FollowUpContactSchema.merge(WorkOrderReferenceSchema).strict(),
  ),
  ResolutionConfirmed: defineEvent(
    'closeloop.intake.resolution-confirmed.v1',
    ResolutionConfirmedSchema.merge(WorkOrderReferenceSchema).strict(),
  ),
  ResolutionRejected: defineEvent(
    'closeloop.intake.resolution-rejected.v1',
    ResolutionRejectedSchema.merge(WorkOrderReferenceSchema).strict(),
  ),
});

export const IntakeEventTypes = intakeEvents.types;
export const intakeDataSchemas = intakeEvents.dataSchemas;

/** CloudEvents 1.0 structured-mode envelope, with the extension attributes Closeloop relies on. */
export const CloudEventSchema = z
  .object({
    specversion: z.literal('1.0'),
    id: z.string().min(1).max(256),
    source: z.string().min(1).max(512),
    type: z.string().min(1).max(256),
    subject: z.string().max(256).optional(),
    time: InstantSchema.optional(),
    datacontenttype: z.string().max(128).optional(),
    dataschema: z.string().max(512).optional(),
    data: z.unknown(),
    correlationid: z.string().max(256).optional(),
    causationid: z.string().max(256).optional(),
    workorderid: z.string().uuid().optional(),
    actor: z.string().max(256).optional(),
    /** The event's position in the store's log: orders one work order's events even if delivered out of order. */
    sequence: z
      .string()
      .regex(/^\d{1,19}$/, 'must be a decimal position')
      .optional(),
  })
  .passthrough()
  .refine(
    (event) => event.datacontenttype === undefined || /^application\/json\s*(;.*)?$/i.test(event.datacontenttype),
    {
      message: 'datacontenttype must be application/json',
      path: ['datacontenttype'],
    },
  );
export type CloudEvent = z.infer<typeof CloudEventSchema>;

export const formatActor = (actor: Actor): string => `${actor.kind}:${actor.id}`;

export const parseActor = (value: string | undefined): Actor | undefined => {
  const match = value?.match(/^(integrator|staff|resident|system):(.+)$/);
  return match ? { kind: match[1] as Actor['kind'], id: match[2] as string } : undefined;
};

export interface PublishedEventInput {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
  readonly sequence: string;
}

/** The structured-mode CloudEvent the relay publishes for one committed domain event. */
export const toPublishedCloudEvent = (event: PublishedEventInput): CloudEvent => ({
  specversion: '1.0',
  id: event.eventId,
  source: `closeloop/${event.metadata.producer}`,
  type: event.type,
  subject: event.metadata.workOrderId,
  time: event.recordedAt.toISOString(),
  datacontenttype: 'application/json',
  data: event.data,
  workorderid: event.metadata.workOrderId,
  correlationid: event.metadata.correlationId,
  causationid: event.metadata.causationId,
  actor: formatActor(event.metadata.actor),
  sequence: event.sequence,
});
