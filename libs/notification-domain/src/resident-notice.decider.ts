import { Decider, EventTypes, IdNamespace, nameBasedUuid, ResidentNoticeEvent } from '@closeloop/contracts';

// ── The `resident-notice-<workOrderId>` stream: what the resident of one order was told, step by step ──────────
// A notice is one step of the order for its reporter. It is deferred (quiet hours) and then sent, failed or
// superseded; or sent or failed at once; or skipped (opted out, no contact, left to the integrator, none). Once
// sent, failed or skipped it is settled: nothing more is recorded of it.

export const residentNoticeStream = (workOrderId: string): string => `resident-notice-${workOrderId}`;

export type NoticeStatus = 'deferred' | 'sent' | 'failed' | 'skipped';

export interface ResidentNoticeState {
  readonly notices: Readonly<Record<string, NoticeStatus>>;
}

/** Recording what came of a notice: the event to record, decided against what is recorded of it already. */
export interface RecordResidentNotice {
  readonly type: 'RecordResidentNotice';
  readonly event: ResidentNoticeEvent;
}

const statusOf = (event: ResidentNoticeEvent): NoticeStatus => {
  switch (event.type) {
    case EventTypes.ResidentNotificationDeferred:
      return 'deferred';
    case EventTypes.ResidentNotificationSent:
      return 'sent';
    case EventTypes.ResidentNotificationFailed:
      return 'failed';
    case EventTypes.ResidentNotificationSkipped:
      return 'skipped';
    default: {
      const unknown: never = event;
      throw new Error(`unknown resident notice event ${JSON.stringify(unknown)}`);
    }
  }
};

/** A notice takes a new status only while it has none or is deferred; a settled notice ignores anything after. */
const decide = (command: RecordResidentNotice, state: ResidentNoticeState): ResidentNoticeEvent[] => {
  const current = state.notices[command.event.data.noticeId];
  if (current === undefined) return [command.event];
  if (current === 'deferred' && statusOf(command.event) !== 'deferred') return [command.event];
  return [];
};

const evolve = (state: ResidentNoticeState, event: ResidentNoticeEvent): ResidentNoticeState => ({
  notices: { ...state.notices, [event.data.noticeId]: statusOf(event) },
});

export const residentNoticeDecider: Decider<ResidentNoticeState, RecordResidentNotice, ResidentNoticeEvent> = {
  decide,
  evolve,
  initialState: () => ({ notices: {} }),
};

const NOTICE_IDS: IdNamespace = { bytes: Buffer.from('closeloop:resident-notice:', 'utf8'), hash: 'sha256' };

/** One notice per order and the event that made the step: the same on every redelivery and every instance. */
export const residentNoticeIdFor = (workOrderId: string, causeEventId: string): string =>
  nameBasedUuid(NOTICE_IDS, `${workOrderId}:${causeEventId}`);
