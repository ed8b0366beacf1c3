import { CloudEvent } from '@closeloop/contracts';

/** What a command or event records of its cause: the conversation it belongs to, and the message that caused it. */
export interface EventTrace {
  readonly correlationId: string;
  readonly causationId: string;
}

/** The trace of whatever a consumed event causes: its correlation carried on (or begun by it), the event as cause. */
export const traceOf = (event: CloudEvent): EventTrace => ({
  correlationId: event.correlationid ?? event.id,
  causationId: event.id,
});
