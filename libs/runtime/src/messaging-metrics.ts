import { ConsumerObserver, RelayObserver, traceConsuming } from '@closeloop/messaging';
import { ServiceMetrics } from './metrics';
import { logContext } from './structured-logger';
import { tracingStarted } from './tracing';

/**
 * Event types a process labels its counts with, at most: the intake topic takes types from integrators, and a
 * sender making up a new type per record must not make up a new series per record too. Past the limit, 'other'.
 */
const MAX_TYPES = 200;

/**
 * Counts each consumed record by topic, type and outcome, and ties the lines its handling logs to its correlation,
 * and its handling to its trace when traces are on.
 */
export const consumerObserver = (metrics: ServiceMetrics): ConsumerObserver => {
  const consumed = metrics.counter('closeloop_events_consumed_total');
  const types = new Set<string>();
  const typeLabel = (type: string): string => {
    if (types.has(type)) return type;
    if (types.size >= MAX_TYPES) return 'other';
    types.add(type);
    return type;
  };
  return {
    consumed: (topic, type, outcome) => consumed.inc({ topic, type: typeLabel(type), outcome }),
    handling: (message, work) =>
      logContext.run({ correlationId: message.event.correlationid ?? message.event.id }, () =>
        tracingStarted() ? traceConsuming(message, work) : work(),
      ),
  };
};

/** Counts what the relay published and how long each event waited between its commit and the broker's acknowledgement. */
export const relayObserver = (metrics: ServiceMetrics): RelayObserver => {
  const published = metrics.counter('closeloop_events_published_total');
  const lag = metrics.histogram('closeloop_relay_lag_seconds');
  return {
    published: (topic, events, acknowledgedAt) => {
      published.inc({ topic }, events.length);
      for (const event of events)
        lag.observe(Math.max(0, (acknowledgedAt.getTime() - event.recordedAt.getTime()) / 1000));
    },
  };
};
