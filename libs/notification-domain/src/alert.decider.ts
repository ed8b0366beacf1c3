import { z } from 'zod';
import {
  AlertChainExhaustedData,
  AlertChannel,
  AlertClosedData,
  AlertDeliveryAttemptedData,
  AlertEvent,
  AlertKindSchema,
  AlertRaisedData,
  AlertRecipientSchema,
  Decider,
  EventTypes,
  IllegalTransitionError,
  NotFoundError,
  SlaTarget,
  StaffMemberRef,
} from '@closeloop/contracts';

// ── State ─────────────────────────────────────────────────────────────────────────────────────────────────
// An alert pages its recipients, each on each of their channels, until one of them acknowledges it ("I've got
// it") or there is nothing left to page about (the order was resolved, closed or cancelled, or the target met).
// A delivery is keyed `staffId:channel`: each key is tried until it is delivered or dead-lettered (retries ran
// out). After an acknowledgement or a close nothing more is sent: the caller asks `mayDeliver` before each send.
// Past `none` every status carries the same facts (so the service can project any of them into one table row and
// read them without narrowing further); acknowledged adds who took it, closed adds why paging stopped.

export type AlertKind = z.infer<typeof AlertKindSchema>;
export type AlertRecipient = z.infer<typeof AlertRecipientSchema>;
export type AlertCloseReason = z.infer<typeof AlertClosedData>['reason'];
export type AlertDeliveryOutcome = z.infer<typeof AlertDeliveryAttemptedData>['outcome'];
/** Who is paged when a chain runs out, and why them (see ADR 12). */
export type ChainFallback = z.infer<typeof AlertChainExhaustedData>['fallback'];

/** The last level of every chain: the operations head. Nothing is above it, so a dead letter there ends the chain. */
export const TOP_LEVEL = 3;

export interface AlertFacts {
  readonly alertId: string;
  readonly workOrderId: string;
  readonly kind: AlertKind;
  readonly siteId: string;
  readonly target?: SlaTarget | undefined;
  /** 1 site supervisor on call, 2 service manager, 3 operations head; escalations only. */
  readonly level?: number | undefined;
  /** The target's deadline, for "overdue by" in the message. */
  readonly dueAt?: string | undefined;
  readonly recipients: readonly AlertRecipient[];
  readonly causeEventId: string;
  /** The SLA round (0 until the first reopen); with order, target and level the alert's identity. */
  readonly round: number;
  readonly raisedAt: string;
  /** Attempts so far per `staffId:channel`. */
  readonly attempts: Readonly<Record<string, number>>;
  /** `staffId:channel` keys delivered. */
  readonly delivered: readonly string[];
  /** `staffId:channel` keys whose retries ran out. */
  readonly deadLettered: readonly string[];
  readonly acknowledgedBy?: StaffMemberRef | undefined;
  readonly acknowledgedAt?: string | undefined;
  readonly acknowledgedVia?: 'api' | 'link' | undefined;
  readonly closedReason?: AlertCloseReason | undefined;
  readonly closedAt?: string | undefined;
  /**
   * Set when the chain ran out at this alert (the top level, every delivery dead): the fallback contact is then
   * also a recipient, paged once per channel, and may acknowledge.
   */
  readonly exhausted?: { readonly fallback: ChainFallback; readonly at: string } | undefined;
}

export type AlertState =
  | { readonly status: 'none' }
  | (AlertFacts & { readonly status: 'open' })
  | (AlertFacts & { readonly status: 'acknowledged'; readonly acknowledgedBy: StaffMemberRef; readonly acknowledgedAt: string })
  | (AlertFacts & { readonly status: 'closed'; readonly closedReason: AlertCloseReason; readonly closedAt: string });

type RaisedAlert = Exclude<AlertState, { status: 'none' }>;


export const alertStream = (alertId: string): string => `alert-${alertId}`;

/** The key a delivery is counted under: one recipient on one channel. */
export const deliveryKey = (staffId: string, channel: AlertChannel): string => `${staffId}:${channel}`;

// ── Commands ──────────────────────────────────────────────────────────────────────────────────────────────
// Instants may come as a Date or an ISO string; events always carry ISO UTC. alertId and workOrderId on the later
// commands are for the caller's logs: the events take them from the alert itself.

type Instant = Date | string;

export type RaiseAlert = { readonly type: 'RaiseAlert' } & z.infer<typeof AlertRaisedData>;

export interface RecordDeliveryAttempt {
  readonly type: 'RecordDeliveryAttempt';
  readonly alertId?: string;
  readonly workOrderId?: string;
  readonly staffId: string;
  readonly channel: AlertChannel;
  /** Where it went, already masked (a phone's last four digits, an e-mail's domain, a webhook's host). */
  readonly destination: string;
  readonly outcome: AlertDeliveryOutcome;
  readonly latencyMs: number;
  readonly error?: string | undefined;
  readonly at: Instant;
}

export interface DeadLetterDelivery {
  readonly type: 'DeadLetterDelivery';
  readonly alertId?: string;
  readonly workOrderId?: string;
  readonly staffId: string;
  readonly channel: AlertChannel;
  readonly reason: string;
  readonly at: Instant;
}

export interface AcknowledgeAlert {
  readonly type: 'AcknowledgeAlert';
  readonly alertId?: string;
  readonly workOrderId?: string;
  readonly by: StaffMemberRef;
  /** Through the API, or through the signed link in the message. */
  readonly via: 'api' | 'link';
  readonly at: Instant;
}

export interface CloseAlert {
  readonly type: 'CloseAlert';
  readonly alertId?: string;
  readonly workOrderId?: string;
  readonly reason: AlertCloseReason;
  readonly at: Instant;
}

/** Every delivery of the top-level alert is dead: record that the chain ran out and name who is paged instead. */
export interface ExhaustChain {
  readonly type: 'ExhaustChain';
  readonly alertId?: string;
  readonly workOrderId?: string;
  readonly fallback: ChainFallback;
  readonly at: Instant;
}

export type AlertCommand = RaiseAlert | RecordDeliveryAttempt | DeadLetterDelivery | AcknowledgeAlert | CloseAlert | ExhaustChain;

const iso = (at: Instant): string => new Date(at).toISOString();
/** The contracts cap free text at 500 characters; a long transport error is cut rather than refused. */
const clip = (text: string, max = 500): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

// ── Decide ────────────────────────────────────────────────────────────────────────────────────────────────

const decide = (command: AlertCommand, state: AlertState): AlertEvent[] => {
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
  if (attempts === 0) throw new Error(`cannot dead-letter ${key} of alert ${state.alertId}: no delivery attempt was recorded`);
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
  return [{ type: EventTypes.AlertClosed, data: { alertId: state.alertId, workOrderId: state.workOrderId, reason: command.reason, closedAt: iso(command.at) } }];
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

// ── Evolve ────────────────────────────────────────────────────────────────────────────────────────────────

const withKey = (keys: readonly string[], key: string): readonly string[] => (keys.includes(key) ? keys : [...keys, key]);

const evolve = (state: AlertState, event: AlertEvent): AlertState => {
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
      return { ...state, deadLettered: withKey(state.deadLettered, deliveryKey(event.data.staffId, event.data.channel)) };
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
      return state.exhausted ? state : { ...state, exhausted: { fallback: event.data.fallback, at: event.data.exhaustedAt } };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled alert event ${JSON.stringify(unhandled)}`);
    }
  }
};

/** One alert and its deliveries (the `alert-<id>` stream). */
export const alertDecider: Decider<AlertState, AlertCommand, AlertEvent> = { decide, evolve, initialState: () => ({ status: 'none' }) };

// ── Queries ───────────────────────────────────────────────────────────────────────────────────────────────

/** Whether a send to this recipient on this channel may go out now: the alert is open and the key is not done. */
export const mayDeliver = (state: AlertState, staffId: string, channel: AlertChannel): boolean => {
  if (state.status !== 'open') return false;
  const key = deliveryKey(staffId, channel);
  return !state.delivered.includes(key) && !state.deadLettered.includes(key);
};

/** Whether the alert was sent to this staff member (on call, owner or dispatcher, or the chain's fallback). */
export const isAddressedTo = (state: AlertState, staffId: string): boolean =>
  state.status !== 'none' && (state.recipients.some((recipient) => recipient.staffId === staffId) || state.exhausted?.fallback.staffId === staffId);

/** The deliveries an alert was raised with: each recipient on each of their channels. */
export const deliveryKeysOf = (state: AlertFacts): string[] => state.recipients.flatMap((r) => r.channels.map((channel) => deliveryKey(r.staffId, channel)));

/**
 * What a dead letter of this alert leads to. Below the top, the next level is paged about the unreachable person
 * (the same next-level alert whichever delivery died first: its identity is the order, target, level and round).
 * At the top there is nobody above: once every delivery is dead the chain has run out, and until then the live
 * deliveries may still reach someone. A chain that ran out already stays run out (its fallback's dead letter, or a
 * redelivery, asks again: `ExhaustChain` then records nothing, and the caller may queue the fallback's pages again,
 * idempotently, should it have crashed before). An alert no longer open leads nowhere.
 */
export type DeadLetterStep = { readonly step: 'escalate'; readonly level: 1 | 2 | 3 } | { readonly step: 'exhaust' } | { readonly step: 'wait' } | { readonly step: 'none' };

export const nextStepAfterDeadLetter = (state: AlertState): DeadLetterStep => {
  if (state.status !== 'open') return { step: 'none' };
  // A warning goes to the owner, before any level: one that cannot reach them goes to level 2, as before (ADR 10).
  const level = state.level ?? 1;
  if (level < TOP_LEVEL) return { step: 'escalate', level: (level + 1) as 2 | 3 };
  const keys = deliveryKeysOf(state);
  return keys.every((key) => state.deadLettered.includes(key)) ? { step: 'exhaust' } : { step: 'wait' };
};
