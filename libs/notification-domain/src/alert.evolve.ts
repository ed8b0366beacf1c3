import { AlertEvent, EventTypes } from '@closeloop/contracts';

import { AlertState, deliveryKey } from './alert.state';

// ── Evolve ────────────────────────────────────────────────────────────────────────────────────────────────

const withKey = (keys: readonly string[], key: string): readonly string[] =>
  keys.includes(key) ? keys : [...keys, key];

export const evolve = (state: AlertState, event: AlertEvent): AlertState => {
  if (event.type === EventTypes.AlertRaised) {
    if (state.status !== 'none') return state;
    const d = event.data;
    return {
      status: 'open',
      alertId: d.alertId,
      workOrderId: d.workOrderId,
      kind: d.kind,
      siteId: d.siteId,
      target: d.target,
      level: d.level,
      dueAt: d.dueAt,
      recipients: d.recipients,
      causeEventId: d.causeEventId,
      round: d.round ?? 0,
      raisedAt: d.raisedAt,
      attempts: {},
      delivered: [],
      deadLettered: [],
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case EventTypes.AlertDeliveryAttempted: {
      const d = event.data;
      const key = deliveryKey(d.staffId, d.channel);
      return {
        ...state,
        attempts: { ...state.attempts, [key]: Math.max(state.attempts[key] ?? 0, d.attempt) },
        delivered: d.outcome === 'delivered' ? withKey(state.delivered, key) : state.delivered,
      };
    }
    case EventTypes.AlertDeadLettered:
      return {
        ...state,
        deadLettered: withKey(state.deadLettered, deliveryKey(event.data.staffId, event.data.channel)),
      };
    case EventTypes.AlertAcknowledged:
      return {
        ...state,
        status: 'acknowledged',
        acknowledgedBy: event.data.acknowledgedBy,
        acknowledgedAt: event.data.acknowledgedAt,
        acknowledgedVia: event.data.via,
      };
    case EventTypes.AlertClosed:
      return { ...state, status: 'closed', closedReason: event.data.reason, closedAt: event.data.closedAt };
    case EventTypes.AlertChainExhausted:
      return state.exhausted
        ? state
        : { ...state, exhausted: { fallback: event.data.fallback, at: event.data.exhaustedAt } };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled alert event ${JSON.stringify(unhandled)}`);
    }
  }
};
