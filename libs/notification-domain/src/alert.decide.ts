import { AlertEvent, EventTypes, IllegalTransitionError, NotFoundError } from '@closeloop/contracts';

import { AlertState, deliveryKey, RaisedAlert, TOP_LEVEL } from './alert.state';
import {
  AcknowledgeAlert,
  AlertCommand,
  CloseAlert,
  DeadLetterDelivery,
  ExhaustChain,
  RecordDeliveryAttempt,
} from './alert.commands';
import { nextStepAfterDeadLetter } from './alert.queries';

const iso = (at: Date | string): string => new Date(at).toISOString();
/** The contracts cap free text at 500 characters; a long transport error is cut rather than refused. */
const clip = (text: string, max = 500): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

// ── Decide ────────────────────────────────────────────────────────────────────────────────────────────────

export const decide = (command: AlertCommand, state: AlertState): AlertEvent[] => {
  if (command.type === 'RaiseAlert') {
    // Raising twice is a no-op, so a redelivered escalation never pages anyone a second time.
    if (state.status !== 'none') return [];
    const { type: _type, ...data } = command;
    return [{ type: EventTypes.AlertRaised, data }];
  }
  if (state.status === 'none') {
    // Acknowledging an alert that was never raised is the caller naming a wrong id: a 404 at the edge. Anything
    // else about an unknown alert has nothing to attach to.
    if (command.type === 'AcknowledgeAlert') throw new NotFoundError('Alert', command.alertId ?? '(unknown)');
    return [];
  }
  switch (command.type) {
    case 'RecordDeliveryAttempt':
      return recordAttempt(command, state);
    case 'DeadLetterDelivery':
      return deadLetter(command, state);
    case 'AcknowledgeAlert':
      return acknowledge(command, state);
    case 'CloseAlert':
      return close(command, state);
    case 'ExhaustChain':
      return exhaust(command, state);
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled alert command ${JSON.stringify(unhandled)}`);
    }
  }
};

const recordAttempt = (command: RecordDeliveryAttempt, state: RaisedAlert): AlertEvent[] => {
  // Once someone has it, or it no longer matters, nothing about sending is recorded (nor sent).
  if (state.status !== 'open') return [];
  const key = deliveryKey(command.staffId, command.channel);
  return [
    {
      type: EventTypes.AlertDeliveryAttempted,
      data: {
        alertId: state.alertId,
        workOrderId: state.workOrderId,
        staffId: command.staffId,
        channel: command.channel,
        destination: clip(command.destination, 200),
        attempt: (state.attempts[key] ?? 0) + 1,
        outcome: command.outcome,
        latencyMs: Math.max(0, Math.round(command.latencyMs)),
        ...(command.error === undefined ? {} : { error: clip(command.error) }),
        attemptedAt: iso(command.at),
      },
    },
  ];
};

const deadLetter = (command: DeadLetterDelivery, state: RaisedAlert): AlertEvent[] => {
  // A dead letter escalates in its own right; after an acknowledgement or a close there is nothing to escalate.
  if (state.status !== 'open') return [];
  const key = deliveryKey(command.staffId, command.channel);
  if (state.deadLettered.includes(key) || state.delivered.includes(key)) return [];
  const attempts = state.attempts[key] ?? 0;
  // The event says how many tries ran out; with none recorded there is nothing to report. A channel that cannot be
  // tried at all (no address on file) records its failed attempt first, with the reason, then dead-letters.
  if (attempts === 0)
    throw new Error(`cannot dead-letter ${key} of alert ${state.alertId}: no delivery attempt was recorded`);
  return [
    {
      type: EventTypes.AlertDeadLettered,
      data: {
        alertId: state.alertId,
        workOrderId: state.workOrderId,
        staffId: command.staffId,
        channel: command.channel,
        attempts,
        reason: clip(command.reason),
        deadLetteredAt: iso(command.at),
      },
    },
  ];
};

const acknowledge = (command: AcknowledgeAlert, state: RaisedAlert): AlertEvent[] => {
  switch (state.status) {
    case 'open':
      return [
        {
          type: EventTypes.AlertAcknowledged,
          data: {
            alertId: state.alertId,
            workOrderId: state.workOrderId,
            kind: state.kind,
            ...(state.target === undefined ? {} : { target: state.target }),
            acknowledgedBy: command.by,
            via: command.via,
            acknowledgedAt: iso(command.at),
          },
        },
      ];
    case 'acknowledged':
      // A second tap on the link, or a colleague a moment later: the alert is already handled.
      return [];
    case 'closed':
      // Telling the caller matters here: they think they took something on, but it was over before they did.
      throw new IllegalTransitionError('AcknowledgeAlert', 'closed', []);
    default: {
      const unhandled: never = state;
      throw new Error(`unhandled alert state ${JSON.stringify(unhandled)}`);
    }
  }
};

const close = (command: CloseAlert, state: RaisedAlert): AlertEvent[] => {
  // An acknowledged alert stays acknowledged: its one outcome is who took it, not why paging stopped.
  if (state.status !== 'open') return [];
  return [
    {
      type: EventTypes.AlertClosed,
      data: {
        alertId: state.alertId,
        workOrderId: state.workOrderId,
        reason: command.reason,
        closedAt: iso(command.at),
      },
    },
  ];
};

const exhaust = (command: ExhaustChain, state: RaisedAlert): AlertEvent[] => {
  // Once per alert, hence once per (order, target, top level, round): a second dead letter or a redelivery of the
  // first finds it recorded. Only an open alert at the top whose every delivery died has run out.
  if (state.status !== 'open' || state.exhausted || nextStepAfterDeadLetter(state).step !== 'exhaust') return [];
  return [
    {
      type: EventTypes.AlertChainExhausted,
      data: {
        alertId: state.alertId,
        workOrderId: state.workOrderId,
        siteId: state.siteId,
        ...(state.target === undefined ? {} : { target: state.target }),
        level: state.level ?? TOP_LEVEL,
        round: state.round,
        deadLettered: [...state.deadLettered],
        fallback: command.fallback,
        exhaustedAt: iso(command.at),
      },
    },
  ];
};
