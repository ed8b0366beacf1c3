import { AlertEvent, EventTypes, foldEvents, IllegalTransitionError, NotFoundError } from '@closeloop/contracts';
import { deciderSpec, expectPublishable } from '@closeloop/testing';
import {
  AcknowledgeAlert,
  CloseAlert,
  DeadLetterDelivery,
  ExhaustChain,
  RaiseAlert,
  RecordDeliveryAttempt,
} from './alert.commands';
import { alertDecider } from './alert.decider';
import { isAddressedTo, mayDeliver, nextStepAfterDeadLetter } from './alert.queries';
import { AlertState, alertStream, deliveryKey } from './alert.state';

// ── Given / when / then ───────────────────────────────────────────────────────────────────────────────────
// deciderSpec (libs/testing) folds the given events as the notification service does after reading the
// `alert-<id>` stream.

const { given } = deciderSpec(alertDecider);

const fold = (events: readonly AlertEvent[]): AlertState => foldEvents(alertDecider, events);

// ── Fixtures: level 1 escalation of order e7c1…'s response target, 09:30 Beijing time (01:30Z) ──────────────

const alertId = '2f1e4c3b-8a7d-4e6f-9b5a-1c2d3e4f5a6b';
const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';
const utc = (time: string) => `2026-11-23T${time}.000Z`;
const RAISED_AT = utc('01:30:00');

const supervisor = { staffId: 'zhang.min', name: 'Zhang Min' };
const manager = { staffId: 'li.na', name: 'Li Na' };

const raise: RaiseAlert = {
  type: 'RaiseAlert',
  alertId,
  workOrderId,
  kind: 'escalation',
  siteId: 'S1',
  target: 'response',
  level: 1,
  dueAt: utc('01:30:00'),
  recipients: [
    { staffId: 'zhang.min', role: 'on-call', channels: ['wecom', 'sms'] },
    { staffId: 'wang.wei', role: 'owner', channels: ['email'] },
  ],
  causeEventId: 'evt-escalated-1',
  raisedAt: RAISED_AT,
};
const { type: _raiseType, ...raisedData } = raise;
const raised: AlertEvent = { type: EventTypes.AlertRaised, data: raisedData };

const attempt = (
  staffId: string,
  channel: RecordDeliveryAttempt['channel'],
  outcome: RecordDeliveryAttempt['outcome'],
  at: string,
  error?: string,
): RecordDeliveryAttempt => ({
  type: 'RecordDeliveryAttempt',
  alertId,
  workOrderId,
  staffId,
  channel,
  destination: channel === 'sms' ? '****5678' : 'qyapi.weixin.qq.com',
  outcome,
  latencyMs: 120,
  ...(error === undefined ? {} : { error }),
  at: new Date(at),
});
const attempted = (
  staffId: string,
  channel: RecordDeliveryAttempt['channel'],
  n: number,
  outcome: RecordDeliveryAttempt['outcome'],
  at: string,
  error?: string,
): AlertEvent => ({
  type: EventTypes.AlertDeliveryAttempted,
  data: {
    alertId,
    workOrderId,
    staffId,
    channel,
    destination: channel === 'sms' ? '****5678' : 'qyapi.weixin.qq.com',
    attempt: n,
    outcome,
    latencyMs: 120,
    ...(error === undefined ? {} : { error }),
    attemptedAt: at,
  },
});
const deadLetter = (staffId: string, channel: DeadLetterDelivery['channel'], at: string): DeadLetterDelivery => ({
  type: 'DeadLetterDelivery',
  staffId,
  channel,
  reason: 'retries exhausted: HTTP 503',
  at: new Date(at),
});
const deadLettered = (
  staffId: string,
  channel: DeadLetterDelivery['channel'],
  attempts: number,
  at: string,
): AlertEvent => ({
  type: EventTypes.AlertDeadLettered,
  data: { alertId, workOrderId, staffId, channel, attempts, reason: 'retries exhausted: HTTP 503', deadLetteredAt: at },
});
const acknowledge = (
  by = supervisor,
  at = utc('01:36:00'),
  via: AcknowledgeAlert['via'] = 'link',
): AcknowledgeAlert => ({
  type: 'AcknowledgeAlert',
  alertId,
  by,
  via,
  at: new Date(at),
});
const acknowledged = (by = supervisor, at = utc('01:36:00'), via: AcknowledgeAlert['via'] = 'link'): AlertEvent => ({
  type: EventTypes.AlertAcknowledged,
  data: { alertId, workOrderId, kind: 'escalation', target: 'response', acknowledgedBy: by, via, acknowledgedAt: at },
});
const close = (reason: CloseAlert['reason'] = 'order-resolved', at = utc('02:10:00')): CloseAlert => ({
  type: 'CloseAlert',
  alertId,
  reason,
  at: new Date(at),
});
const closed = (reason: CloseAlert['reason'] = 'order-resolved', at = utc('02:10:00')): AlertEvent => ({
  type: EventTypes.AlertClosed,
  data: { alertId, workOrderId, reason, closedAt: at },
});

// ── Histories: the `alert-<id>` stream at each starting state ─────────────────────────────────────────────

const NONE: AlertEvent[] = [];
const OPEN = [raised];
/** WeCom delivered to Zhang Min at once; the SMS failed once; nothing yet to Wang Wei. */
const OPEN_PARTLY_SENT = [
  ...OPEN,
  attempted('zhang.min', 'wecom', 1, 'delivered', utc('01:30:01')),
  attempted('zhang.min', 'sms', 1, 'failed', utc('01:30:01'), 'HTTP 503'),
];
/** The SMS gateway failed six times and was given up on. */
const OPEN_SMS_DEAD = [
  ...OPEN_PARTLY_SENT,
  ...[2, 3, 4, 5, 6].map((n) => attempted('zhang.min', 'sms', n, 'failed', utc(`01:3${n}:00`), 'HTTP 503')),
  deadLettered('zhang.min', 'sms', 6, utc('01:37:00')),
];
const ACKNOWLEDGED = [...OPEN_PARTLY_SENT, acknowledged()];
const CLOSED = [...OPEN_PARTLY_SENT, closed()];

describe('alertStream', () => {
  it('is alert-<id>', () => expect(alertStream(alertId)).toBe(`alert-${alertId}`));
});

describe('given no alert', () => {
  it('when it is raised, then AlertRaised with every fact of the raise, and the alert is open', () => {
    const state = given(NONE).when(raise).then([raised]);
    const { type: _command, recipients: _recipients, ...factsOfTheRaise } = raise;
    expect(state).toMatchObject({ status: 'open', ...factsOfTheRaise, raisedAt: RAISED_AT });
    expect(state).toMatchObject({ attempts: {}, delivered: [], deadLettered: [] });
  });

  it('when an urgent order without a level, target or deadline is raised, then the event is valid without them', () => {
    const warning: RaiseAlert = {
      ...raise,
      kind: 'urgent-order',
      target: undefined,
      level: undefined,
      dueAt: undefined,
    };
    const decided = alertDecider.decide(warning, alertDecider.initialState());
    expect(decided).toHaveLength(1);
    expectPublishable(decided);
  });

  it('when a delivery attempt is recorded, then nothing: there is no alert to attach it to', () => {
    given(NONE)
      .when(attempt('zhang.min', 'wecom', 'delivered', utc('01:30:01')))
      .then([]);
  });

  it('when a delivery is dead-lettered, then nothing', () => {
    given(NONE)
      .when(deadLetter('zhang.min', 'sms', utc('01:37:00')))
      .then([]);
  });

  it('when someone acknowledges it, then it is not found (a 404 at the edge)', () => {
    given(NONE).when(acknowledge()).thenThrows(NotFoundError);
  });

  it('when it is closed, then nothing', () => {
    given(NONE).when(close()).then([]);
  });

  it('then nothing may be delivered and nobody is addressed', () => {
    expect(mayDeliver(given(NONE).state(), 'zhang.min', 'wecom')).toBe(false);
    expect(isAddressedTo(given(NONE).state(), 'zhang.min')).toBe(false);
  });
});

describe('given an open alert', () => {
  it('when it is raised again (a redelivered escalation), then nothing: nobody is paged twice', () => {
    given(OPEN).when(raise).then([]);
  });

  it('when the first attempt on a channel is recorded, then attempt 1', () => {
    const state = given(OPEN)
      .when(attempt('zhang.min', 'wecom', 'delivered', utc('01:30:01')))
      .then([attempted('zhang.min', 'wecom', 1, 'delivered', utc('01:30:01'))]);
    expect(state).toMatchObject({ attempts: { 'zhang.min:wecom': 1 }, delivered: ['zhang.min:wecom'] });
  });

  it('when a failed attempt is recorded, then it carries the error and the key is not delivered', () => {
    const state = given(OPEN)
      .when(attempt('zhang.min', 'sms', 'failed', utc('01:30:01'), 'HTTP 503'))
      .then([attempted('zhang.min', 'sms', 1, 'failed', utc('01:30:01'), 'HTTP 503')]);
    expect(state).toMatchObject({ attempts: { 'zhang.min:sms': 1 }, delivered: [] });
  });

  it('when an attempt takes an ISO string for its time, then the event carries it as UTC', () => {
    given(OPEN)
      .when({ ...attempt('zhang.min', 'sms', 'failed', utc('01:30:01'), 'HTTP 503'), at: '2026-11-23T09:30:01+08:00' })
      .then([attempted('zhang.min', 'sms', 1, 'failed', utc('01:30:01'), 'HTTP 503')]);
  });

  it('when a transport error is longer than the contract allows, then it is cut to 500 characters', () => {
    const [event] = alertDecider.decide(
      attempt('zhang.min', 'sms', 'failed', utc('01:30:01'), 'x'.repeat(2000)),
      given(OPEN).state(),
    );
    expect(event?.type === EventTypes.AlertDeliveryAttempted && event.data.error?.length).toBe(500);
  });

  it('when it is dead-lettered before any attempt, then the caller is told to record the attempt first', () => {
    given(OPEN)
      .when(deadLetter('zhang.min', 'sms', utc('01:37:00')))
      .thenThrows(/no delivery attempt was recorded/);
  });

  it('when someone acknowledges it, then AlertAcknowledged carrying the kind and target', () => {
    const state = given(OPEN).when(acknowledge()).then([acknowledged()]);
    expect(state).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: supervisor,
      acknowledgedAt: utc('01:36:00'),
      acknowledgedVia: 'link',
    });
  });

  it('when an alert without a target is acknowledged through the API, then the event has no target', () => {
    const warningRaised: AlertEvent = {
      type: EventTypes.AlertRaised,
      data: { ...raisedData, kind: 'urgent-order', target: undefined, level: undefined },
    };
    given([warningRaised])
      .when(acknowledge(manager, utc('01:40:00'), 'api'))
      .then([
        {
          type: EventTypes.AlertAcknowledged,
          data: {
            alertId,
            workOrderId,
            kind: 'urgent-order',
            acknowledgedBy: manager,
            via: 'api',
            acknowledgedAt: utc('01:40:00'),
          },
        },
      ]);
  });

  it('when the order is resolved, then AlertClosed', () => {
    const state = given(OPEN).when(close()).then([closed()]);
    expect(state).toMatchObject({ status: 'closed', closedReason: 'order-resolved', closedAt: utc('02:10:00') });
  });

  it('then every recipient may be sent to on any channel', () => {
    expect(mayDeliver(given(OPEN).state(), 'zhang.min', 'wecom')).toBe(true);
    expect(mayDeliver(given(OPEN).state(), 'wang.wei', 'email')).toBe(true);
  });

  it('then it is addressed to its recipients and nobody else', () => {
    expect(isAddressedTo(given(OPEN).state(), 'zhang.min')).toBe(true);
    expect(isAddressedTo(given(OPEN).state(), 'wang.wei')).toBe(true);
    expect(isAddressedTo(given(OPEN).state(), 'li.na')).toBe(false);
  });
});

describe('given an open alert, partly sent', () => {
  it('when the failed channel is tried again, then attempt 2 of that channel', () => {
    const state = given(OPEN_PARTLY_SENT)
      .when(attempt('zhang.min', 'sms', 'delivered', utc('01:30:05')))
      .then([attempted('zhang.min', 'sms', 2, 'delivered', utc('01:30:05'))]);
    expect(state).toMatchObject({
      attempts: { 'zhang.min:wecom': 1, 'zhang.min:sms': 2 },
      delivered: ['zhang.min:wecom', 'zhang.min:sms'],
    });
  });

  it('when another recipient is tried, then their own count starts at 1', () => {
    given(OPEN_PARTLY_SENT)
      .when(attempt('wang.wei', 'email', 'delivered', utc('01:30:02')))
      .then([attempted('wang.wei', 'email', 1, 'delivered', utc('01:30:02'))]);
  });

  it('when the failing channel is dead-lettered, then AlertDeadLettered with the attempts so far', () => {
    const state = given(OPEN_PARTLY_SENT)
      .when(deadLetter('zhang.min', 'sms', utc('01:31:00')))
      .then([deadLettered('zhang.min', 'sms', 1, utc('01:31:00'))]);
    expect(state).toMatchObject({ status: 'open', deadLettered: ['zhang.min:sms'] });
  });

  it('when a delivered channel is dead-lettered, then nothing: it reached them', () => {
    given(OPEN_PARTLY_SENT)
      .when(deadLetter('zhang.min', 'wecom', utc('01:31:00')))
      .then([]);
  });

  it('then only the channels not yet delivered may be sent to', () => {
    const state = given(OPEN_PARTLY_SENT).state();
    expect(mayDeliver(state, 'zhang.min', 'wecom')).toBe(false);
    expect(mayDeliver(state, 'zhang.min', 'sms')).toBe(true);
    expect(mayDeliver(state, 'wang.wei', 'email')).toBe(true);
  });
});

describe('given an open alert with a dead-lettered channel', () => {
  it('then the state counts six attempts and the channel may not be sent to', () => {
    const state = given(OPEN_SMS_DEAD).state();
    expect(state).toMatchObject({
      status: 'open',
      attempts: { [deliveryKey('zhang.min', 'sms')]: 6 },
      deadLettered: ['zhang.min:sms'],
    });
    expect(mayDeliver(state, 'zhang.min', 'sms')).toBe(false);
  });

  it('when it is dead-lettered again (a redelivered command), then nothing', () => {
    given(OPEN_SMS_DEAD)
      .when(deadLetter('zhang.min', 'sms', utc('01:38:00')))
      .then([]);
  });

  it('when someone acknowledges it, then AlertAcknowledged', () => {
    given(OPEN_SMS_DEAD).when(acknowledge()).then([acknowledged()]);
  });
});

describe('given an acknowledged alert', () => {
  it.each([
    ['it is raised again', raise],
    [
      'a delivery attempt is recorded (nothing is sent after an acknowledgement)',
      attempt('wang.wei', 'email', 'delivered', utc('01:37:00')),
    ],
    [
      'a delivery is dead-lettered (there is nothing left to escalate)',
      deadLetter('zhang.min', 'sms', utc('01:37:00')),
    ],
  ])('when %s, then nothing', (_when, command) => {
    given(ACKNOWLEDGED).when(command).then([]);
  });

  it('when it is acknowledged again, by the same person or another, then nothing (idempotent)', () => {
    given(ACKNOWLEDGED).when(acknowledge()).then([]);
    const state = given(ACKNOWLEDGED)
      .when(acknowledge(manager, utc('01:40:00'), 'api'))
      .then([]);
    expect(state).toMatchObject({ acknowledgedBy: supervisor });
  });

  it('when the order is resolved, then nothing: the alert stays acknowledged', () => {
    const state = given(ACKNOWLEDGED).when(close()).then([]);
    expect(state.status).toBe('acknowledged');
  });

  it('then nothing may be delivered, to anyone, on any channel', () => {
    const state = given(ACKNOWLEDGED).state();
    expect(mayDeliver(state, 'zhang.min', 'sms')).toBe(false);
    expect(mayDeliver(state, 'wang.wei', 'email')).toBe(false);
  });

  it('then it is still addressed to its recipients', () => {
    expect(isAddressedTo(given(ACKNOWLEDGED).state(), 'wang.wei')).toBe(true);
  });
});

describe('given a closed alert', () => {
  it.each([
    ['it is raised again', raise],
    ['a delivery attempt is recorded', attempt('zhang.min', 'sms', 'delivered', utc('02:11:00'))],
    ['a delivery is dead-lettered', deadLetter('zhang.min', 'sms', utc('02:11:00'))],
  ])('when %s, then nothing', (_when, command) => {
    given(CLOSED).when(command).then([]);
  });

  it('when someone acknowledges it, then an illegal transition: it was over before they took it', () => {
    given(CLOSED)
      .when(acknowledge())
      .thenThrows(IllegalTransitionError, {
        code: 'ILLEGAL_TRANSITION',
        details: { currentStatus: 'closed', allowedCommands: [] },
      });
  });

  it('when it is closed again, for another reason, then nothing', () => {
    const state = given(CLOSED)
      .when(close('target-met', utc('02:20:00')))
      .then([]);
    expect(state).toMatchObject({ closedReason: 'order-resolved' });
  });

  it('then nothing may be delivered', () => {
    expect(mayDeliver(given(CLOSED).state(), 'wang.wei', 'email')).toBe(false);
  });
});

describe('alertDecider.evolve', () => {
  it('keeps the first raise when a second AlertRaised is folded', () => {
    const other: AlertEvent = { type: EventTypes.AlertRaised, data: { ...raisedData, siteId: 'S2' } };
    expect(fold([raised, other])).toMatchObject({ siteId: 'S1' });
  });

  it('ignores events about an alert that was never raised', () => {
    expect(fold([attempted('zhang.min', 'sms', 1, 'failed', utc('01:30:01'))])).toEqual({ status: 'none' });
  });

  it('keeps the highest attempt number when events are folded out of order', () => {
    const state = fold([
      raised,
      attempted('zhang.min', 'sms', 2, 'failed', utc('01:30:05')),
      attempted('zhang.min', 'sms', 1, 'failed', utc('01:30:01')),
    ]);
    expect(state).toMatchObject({ attempts: { 'zhang.min:sms': 2 } });
  });
});

// ── The end of the chain: a level-3 alert to the operations head, whose WeCom and SMS both died ────────────

const head = 'zhou.qiang';
const raiseTop: RaiseAlert = {
  ...raise,
  level: 3,
  round: 1,
  recipients: [{ staffId: head, role: 'on-call', channels: ['wecom', 'sms'] }],
  causeEventId: 'evt-dead-lettered-level-2',
};
const { type: _topType, ...raisedTopData } = raiseTop;
const raisedTop: AlertEvent = { type: EventTypes.AlertRaised, data: raisedTopData };
const TOP_ONE_DEAD = [
  raisedTop,
  attempted(head, 'wecom', 1, 'failed', utc('01:31:00'), 'HTTP 503'),
  deadLettered(head, 'wecom', 1, utc('01:32:00')),
];
const TOP_ALL_DEAD = [
  ...TOP_ONE_DEAD,
  attempted(head, 'sms', 1, 'failed', utc('01:31:00'), 'HTTP 503'),
  deadLettered(head, 'sms', 1, utc('01:33:00')),
];

const fallback = {
  staffId: 'zhang.min',
  source: 'on-call-level-1' as const,
  channels: ['wecom' as const, 'email' as const],
};
const exhaust = (at = utc('01:33:01')): ExhaustChain => ({ type: 'ExhaustChain', fallback, at: new Date(at) });
const chainExhausted = (at = utc('01:33:01')): AlertEvent => ({
  type: EventTypes.AlertChainExhausted,
  data: {
    alertId,
    workOrderId,
    siteId: 'S1',
    target: 'response',
    level: 3,
    round: 1,
    deadLettered: [`${head}:wecom`, `${head}:sms`],
    fallback,
    exhaustedAt: at,
  },
});
const EXHAUSTED = [...TOP_ALL_DEAD, chainExhausted()];

describe('given a level-1 or level-2 alert with a dead-lettered channel', () => {
  it('then a dead letter leads one level up, whichever channel died', () => {
    expect(nextStepAfterDeadLetter(given(OPEN_SMS_DEAD).state())).toEqual({ step: 'escalate', level: 2 });
    const levelTwo = [{ ...raised, data: { ...raisedData, level: 2 } } as AlertEvent];
    expect(nextStepAfterDeadLetter(fold(levelTwo))).toEqual({ step: 'escalate', level: 3 });
  });

  it('when the chain is declared exhausted, then nothing: there are levels above', () => {
    given(OPEN_SMS_DEAD).when(exhaust()).then([]);
  });
});

describe('given a level-3 alert with one of its two channels dead', () => {
  it('then a dead letter waits: the other channel may still reach the operations head', () => {
    expect(nextStepAfterDeadLetter(given(TOP_ONE_DEAD).state())).toEqual({ step: 'wait' });
  });

  it('when the chain is declared exhausted, then nothing', () => {
    given(TOP_ONE_DEAD).when(exhaust()).then([]);
  });
});

describe('given a level-3 alert whose every delivery is dead', () => {
  it('then a dead letter ends the chain rather than raising another level-3 alert', () => {
    expect(nextStepAfterDeadLetter(given(TOP_ALL_DEAD).state())).toEqual({ step: 'exhaust' });
  });

  it('when the chain is declared exhausted, then AlertChainExhausted with the dead deliveries, the round and the fallback', () => {
    const state = given(TOP_ALL_DEAD).when(exhaust()).then([chainExhausted()]);
    expect(state).toMatchObject({ status: 'open', round: 1, exhausted: { fallback, at: utc('01:33:01') } });
  });

  it('when the order is resolved first, then the chain is not exhausted: nobody needs paging', () => {
    given([...TOP_ALL_DEAD, closed()])
      .when(exhaust())
      .then([]);
  });
});

describe('given a chain exhausted at this alert', () => {
  it('when it is declared exhausted again (a second dead letter, a redelivery), then nothing: one outcome per chain', () => {
    given(EXHAUSTED)
      .when(exhaust(utc('01:40:00')))
      .then([]);
  });

  it('then the fallback may be paged and may acknowledge, and a dead letter finds the chain run out, never a level up', () => {
    const state = given(EXHAUSTED).state();
    expect(mayDeliver(state, 'zhang.min', 'wecom')).toBe(true);
    expect(isAddressedTo(state, 'zhang.min')).toBe(true);
    expect(nextStepAfterDeadLetter(state)).toEqual({ step: 'exhaust' });
  });

  it('when the fallback page dies too, then AlertDeadLettered, and the chain stays run out with nothing new recorded', () => {
    const history = [...EXHAUSTED, attempted('zhang.min', 'wecom', 1, 'failed', utc('01:34:00'), 'HTTP 503')];
    const state = given(history)
      .when(deadLetter('zhang.min', 'wecom', utc('01:35:00')))
      .then([deadLettered('zhang.min', 'wecom', 1, utc('01:35:00'))]);
    expect(nextStepAfterDeadLetter(state)).toEqual({ step: 'exhaust' });
    given([...history, deadLettered('zhang.min', 'wecom', 1, utc('01:35:00'))])
      .when(exhaust(utc('01:36:00')))
      .then([]);
  });

  it('when the fallback acknowledges, then AlertAcknowledged by them', () => {
    const by = { staffId: 'zhang.min', name: 'Zhang Min' };
    given(EXHAUSTED)
      .when(acknowledge(by, utc('01:36:00')))
      .then([acknowledged(by, utc('01:36:00'))]);
  });
});

describe('evolveAlert and rounds', () => {
  it('reads an AlertRaised without a round (recorded before rounds) as round 0', () => {
    expect(fold(OPEN)).toMatchObject({ round: 0 });
  });
});
