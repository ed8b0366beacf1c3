import { DomainEvent, EventTypes } from '@closeloop/contracts';
import { dueAtOf, evolveOrderFacts, noFactsYet, OrderFacts, resolutionRoundAt } from './order-facts';
import { at, burstPipeReported, burstPipeTargetsSet, liNa } from './order-facts-under-test.spec';

const workOrderId = '7d4b0a52-5d0e-4c59-9a43-3f1f1f5c2b10';
const wang = { staffId: 'tech-9', name: 'Wang Lei' };

let position = 0;
const given = (...events: DomainEvent[]): OrderFacts =>
  events.reduce(
    (facts, event) =>
      evolveOrderFacts(facts, { event, position: String((position += 10)), recordedAt: at(position / 10) }),
    noFactsYet(workOrderId),
  );
const when = (facts: OrderFacts, event: DomainEvent, at = String((position += 10))) =>
  evolveOrderFacts(facts, { event, position: at, recordedAt: '2026-12-04T02:00:00.000Z' });

const reported = burstPipeReported(workOrderId);
const assigned = {
  type: EventTypes.WorkOrderAssigned,
  data: { workOrderId, owner: liNa, teamId: 't', ruleId: 'r', reason: 'roster', assignedAt: at(1) },
} as DomainEvent;
const targetsSet = burstPipeTargetsSet(workOrderId);

describe('order facts', () => {
  describe('given no report yet', () => {
    it('when a triage arrives first (a topic read from the middle), then the order is still unknown', () => {
      const facts = when(given(), {
        type: EventTypes.WorkOrderTriaged,
        data: { workOrderId, tier: 'urgent', category: 'plumbing', ruleId: 'r', reason: 'x', triagedAt: at(0) },
      });
      expect([facts.number, facts.status, facts.tier]).toEqual([null, null, null]);
    });
  });

  describe('given nothing yet', () => {
    it('when the report arrives, then how the resident is told is known: its channel and any WeChat openid', () => {
      const plain = when(given(), reported);
      expect([plain.reportChannel, plain.reporterWechatOpenId]).toEqual(['phone', null]);
      const fromWeChat = when(given(), {
        ...reported,
        data: { ...reported.data, channel: 'wechat', reporter: { wechatOpenId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } },
      } as DomainEvent);
      expect([fromWeChat.reportChannel, fromWeChat.reporterWechatOpenId]).toEqual([
        'wechat',
        'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      ]);
    });
  });

  describe('given an assigned order', () => {
    it('when ownership is handed over, then the new owner is the owner and the status stays', () => {
      const facts = when(given(reported, assigned), {
        type: EventTypes.OwnershipHandedOver,
        data: { workOrderId, from: liNa, to: wang, reason: 'shift', handedOverAt: at(5) },
      } as DomainEvent);
      expect([facts.owner, facts.status]).toEqual([wang, 'assigned']);
    });

    it('when a technician acknowledges without becoming owner, then the owner stays', () => {
      const facts = when(given(reported, assigned), {
        type: EventTypes.WorkOrderAcknowledged,
        data: { workOrderId, by: wang, becameOwner: false, acknowledgedAt: at(3) },
      } as DomainEvent);
      expect([facts.owner, facts.status]).toEqual([liNa, 'acknowledged']);
    });

    it('when an event comes again, or an older one after it, then nothing changes', () => {
      const facts = given(reported, assigned);
      expect(when(facts, assigned, facts.workOrderPosition)).toBe(facts);
      expect(when(facts, reported, '1')).toBe(facts);
    });

    it('keeps the last five events of the order stream, SLA events not among them', () => {
      const started = {
        type: EventTypes.WorkStarted,
        data: { workOrderId, by: liNa, startedAt: at(4) },
      } as DomainEvent;
      const facts = given(reported, assigned, targetsSet, started, started, started, started);
      expect(facts.recentEvents.map((e) => e.type)).toEqual([
        'assigned',
        'work-started',
        'work-started',
        'work-started',
        'work-started',
      ]);
    });
  });

  describe('given running SLA clocks', () => {
    it('when the order is reopened (the clock restarted), then the resolution target is due anew in round 1 from that position on', () => {
      const facts = given(reported, targetsSet);
      const restarted = when(
        facts,
        {
          type: EventTypes.SlaClockRestarted,
          data: { workOrderId, round: 1, restartedAt: at(60), resolutionDueAt: at(300) },
        } as DomainEvent,
        '500',
      );
      expect(dueAtOf(restarted, 'resolution')).toBe(at(300));
      expect(dueAtOf(restarted, 'response')).toBe(at(15));
      expect([
        resolutionRoundAt(restarted, '499'),
        resolutionRoundAt(restarted, '500'),
        resolutionRoundAt(restarted, undefined),
      ]).toEqual([0, 1, 1]);
    });

    it('when the clocks stop, then no target is due', () => {
      const facts = when(given(reported, targetsSet), {
        type: EventTypes.SlaClockStopped,
        data: { workOrderId, stoppedAt: at(9), reason: 'cancelled' },
      });
      expect([dueAtOf(facts, 'response'), dueAtOf(facts, 'resolution')]).toEqual([undefined, undefined]);
    });
  });
});
