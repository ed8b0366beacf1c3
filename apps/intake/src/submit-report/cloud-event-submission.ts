import { CloudEvent, CloudEventSchema, IntakeEventTypes, ValidationError } from '@closeloop/contracts';
import { issuesOf, parseReport } from './report-input';
import { SubmitReport } from './submit-report.handler';

/**
 * An integrator's CloudEvent as a report submission. The CloudEvents rule that `source` + `id` identify an event
 * makes them the retry key: a redelivered event maps to the same work order.
 */
export const submissionFromCloudEvent = (event: CloudEvent, pathPrefix = ''): SubmitReport => {
  if (event.type !== IntakeEventTypes.ReportSubmitted) {
    throw new ValidationError(`Unsupported event type ${event.type}`, [{ path: `${pathPrefix}type`, message: `must be ${IntakeEventTypes.ReportSubmitted}` }], 'UNSUPPORTED_EVENT_TYPE');
  }
  return {
    report: parseReport(event.data, `${pathPrefix}data`),
    retryKey: { scope: `cloudevent:${event.source}`, key: event.id },
    actor: { kind: 'integrator', id: event.source },
    correlationId: event.correlationid ?? event.id,
    causationId: event.id,
  };
};

/** Validates a structured-mode envelope arriving over HTTP (Kafka messages are parsed by the consumer). */
export const parseEnvelope = (body: unknown, pathPrefix = ''): CloudEvent => {
  const parsed = CloudEventSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError('The CloudEvent envelope is not valid', issuesOf(parsed.error, pathPrefix.replace(/\.$/, '')));
  return parsed.data;
};
