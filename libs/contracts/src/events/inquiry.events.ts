import { z } from 'zod';
import { ChannelSchema, ResidentContactSchema } from '../report';
import { isoInstant, siteId, workOrderId } from './fields';
import { defineEvent, EventUnionOf, eventRegistry } from './registry';

// ── Inquiries (the `inquiry-<id>` stream, intake) ─────────────────────────────────────────────────────────
// A resident's question (咨询) put to the desk: "how do I pay the property fee?". When the site's knowledge base
// answers it with confidence, it is answered and counted as deflected (no work order); when nothing answers it, or
// the resident says the answer did not help, it becomes a work order. Inquiries are not about any one order, so they
// are a stream of their own, published on workorders.events keyed by the inquiry (metadata `partitionKey`).

export const inquiryId = z.string().uuid();

/** Why an inquiry became a work order. */
export const InquiryOrderReasonSchema = z.enum(['no-confident-answer', 'not-helped']);
export type InquiryOrderReason = z.infer<typeof InquiryOrderReasonSchema>;

export const InquiryReceivedData = z
  .object({
    inquiryId,
    siteId,
    text: z.string().min(1).max(2000),
    channel: ChannelSchema,
    reporter: ResidentContactSchema,
    building: z.string().min(1).max(64).optional(),
    unit: z.string().min(1).max(64).optional(),
    receivedAt: isoInstant,
  })
  .strict();

/** The knowledge base answered: the answer given (and its version), and how confident the match was, 0 to 1. */
export const InquiryAnsweredData = z
  .object({
    inquiryId,
    siteId,
    answerId: z.string().min(1).max(64),
    answerVersion: z.number().int().positive(),
    confidence: z.number().min(0).max(1),
    answeredAt: isoInstant,
  })
  .strict();

export const InquiryTurnedIntoOrderData = z
  .object({
    inquiryId,
    siteId,
    workOrderId,
    number: z.string().min(1).max(64),
    reason: InquiryOrderReasonSchema,
    turnedAt: isoInstant,
  })
  .strict();

export const inquiryEvents = eventRegistry({
  InquiryReceived: defineEvent('closeloop.inquiry.received.v1', InquiryReceivedData),
  InquiryAnswered: defineEvent('closeloop.inquiry.answered.v1', InquiryAnsweredData),
  InquiryTurnedIntoOrder: defineEvent('closeloop.inquiry.turned-into-order.v1', InquiryTurnedIntoOrderData),
});

export const InquiryEventTypes = inquiryEvents.types;
export type InquiryEvent = EventUnionOf<typeof inquiryEvents>;

/**
 * The default of every switch over InquiryEvent: the compiler proves it unreachable, and should an event of
 * another type be cast in, it fails naming the type.
 */
export const unknownInquiryEvent = (event: never): never => {
  throw new Error(`unknown inquiry event ${String((event as { type: unknown }).type)}`);
};

export const isInquiryEventType = (type: string): type is InquiryEvent['type'] =>
  Object.prototype.hasOwnProperty.call(inquiryEvents.dataSchemas, type);

/** Validates an inquiry event read from the wire or the store. */
export const parseInquiryEvent = (
  type: string,
  data: unknown,
): { ok: true; event: InquiryEvent } | { ok: false; reason: string } => {
  if (!isInquiryEventType(type)) return { ok: false, reason: `unknown inquiry event type ${type}` };
  const parsed = inquiryEvents.dataSchemas[type].safeParse(data);
  if (!parsed.success)
    return {
      ok: false,
      reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; '),
    };
  return { ok: true, event: { type, data: parsed.data } as InquiryEvent };
};
