import {
  CloudEvent,
  CloudEventBindings,
  CloudEventReading,
  IntakeEventTypes,
  intakeDataSchemas,
  MessageHeaders,
  readBinaryCloudEvent,
  readCloudEvent,
  ValidationError,
} from '@closeloop/contracts';
import { FeedbackContext, ResidentFeedback } from '../resident-feedback/resident-feedback.handler';
import { z } from 'zod';
import { issuesOf, parseReport, requireStorableText } from './report-input';
import { SubmitReport } from './submit-report.handler';

/** What an integrator's CloudEvent asks of intake. */
export type IntakeRequest =
  | { readonly kind: 'report'; readonly eventId: string; readonly submission: SubmitReport }
  | {
      readonly kind: 'feedback';
      readonly eventId: string;
      readonly eventType: (typeof IntakeEventTypes)[keyof typeof IntakeEventTypes];
      readonly feedback: ResidentFeedback;
      readonly context: Omit<FeedbackContext, 'caller'>;
    };

/**
 * An integrator's CloudEvent as a request to intake. The CloudEvents rule that `source` + `id` identify an event
 * makes the id, within the authenticated integrator's namespace (see IntakeRequestsHandler), the retry key: a
 * redelivered event maps to the same work order, or to the same recorded feedback.
 */
export const intakeRequestFromCloudEvent = (event: CloudEvent, pathPrefix = ''): IntakeRequest => {
  // These attributes are recorded with the events (actor, correlation and causation ids).
  requireStorableText(
    { id: event.id, source: event.source, correlationid: event.correlationid },
    'The CloudEvent envelope is not valid',
    pathPrefix.replace(/\.$/, ''),
  );
  switch (event.type) {
    case IntakeEventTypes.ReportSubmitted:
      return {
        kind: 'report',
        eventId: event.id,
        submission: {
          report: parseReport(event.data, `${pathPrefix}data`),
          actor: { kind: 'integrator', id: event.source },
          correlationId: event.correlationid ?? event.id,
          causationId: event.id,
        },
      };
    case IntakeEventTypes.FollowUpContact: {
      const data = parseData(event, IntakeEventTypes.FollowUpContact, pathPrefix);
      return feedbackRequest(
        event,
        { kind: 'follow-up', channel: data.channel, note: data.note, caller: data.caller },
        data,
      );
    }
    case IntakeEventTypes.ResolutionConfirmed: {
      const data = parseData(event, IntakeEventTypes.ResolutionConfirmed, pathPrefix);
      return feedbackRequest(event, { kind: 'confirmation', rating: data.rating, comment: data.comment }, data);
    }
    case IntakeEventTypes.ResolutionRejected: {
      const data = parseData(event, IntakeEventTypes.ResolutionRejected, pathPrefix);
      return feedbackRequest(event, { kind: 'rejection', comment: data.comment }, data);
    }
    default:
      throw new ValidationError(
        `Unsupported event type ${event.type}`,
        [{ path: `${pathPrefix}type`, message: `must be one of ${Object.values(IntakeEventTypes).join(', ')}` }],
        'UNSUPPORTED_EVENT_TYPE',
      );
  }
};

const parseData = <T extends keyof typeof intakeDataSchemas>(
  event: CloudEvent,
  type: T,
  pathPrefix: string,
): z.infer<(typeof intakeDataSchemas)[T]> => {
  const parsed = intakeDataSchemas[type].safeParse(event.data);
  if (!parsed.success)
    throw new ValidationError('The event data is not valid', issuesOf(parsed.error, `${pathPrefix}data`));
  requireStorableText(parsed.data, 'The event data is not valid', `${pathPrefix}data`);
  return parsed.data;
};

const feedbackRequest = (
  event: CloudEvent,
  feedback: ResidentFeedback,
  reference: { workOrderId?: string | undefined; number?: string | undefined },
): IntakeRequest => ({
  kind: 'feedback',
  eventId: event.id,
  eventType: event.type as (typeof IntakeEventTypes)[keyof typeof IntakeEventTypes],
  feedback,
  context: {
    reference: { workOrderId: reference.workOrderId, number: reference.number },
    actor: { kind: 'resident', id: `via:${event.source}` },
    correlationId: event.correlationid ?? event.id,
    causationId: event.id,
  },
});

const envelopeOf = (reading: CloudEventReading): CloudEvent => {
  if (!reading.ok) throw new ValidationError('The CloudEvent envelope is not valid', reading.issues);
  return reading.event;
};

/** Validates a structured-mode envelope arriving over HTTP (Kafka messages are read by the consumer). */
export const parseEnvelope = (body: unknown, pathPrefix = ''): CloudEvent =>
  envelopeOf(readCloudEvent(body, pathPrefix.replace(/\.$/, '')));

/** Validates a binary-mode event arriving over HTTP: attributes in `ce-` headers, the JSON body as its data. */
export const parseBinaryEnvelope = (headers: MessageHeaders, body: unknown): CloudEvent =>
  envelopeOf(readBinaryCloudEvent(CloudEventBindings.http, headers, body));
