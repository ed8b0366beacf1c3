import { Inject, Injectable, Logger } from '@nestjs/common';
import { ResidentKeys } from '@closeloop/auth';
import { ReloadingJsonFile } from '@closeloop/config';
import {
  Channel,
  ChannelSchema,
  DomainEvent,
  EventTypes,
  ResidentNoticeEvent,
  ResidentSendChannel,
} from '@closeloop/contracts';
import { aggregateStream, EVENT_STORE, EventStore, handleCommand } from '@closeloop/event-store';
import { InboundCloudEvent } from '@closeloop/messaging';
import {
  planNotice,
  renderResidentMessage,
  residentNoticeDecider,
  residentNoticeIdFor,
  residentNoticeStream,
  ResidentNoticeConfigSchema,
  residentStepOf,
  siteNoticeRule,
  smsNumberOf,
  StepOccurrence,
  weChatTemplateData,
} from '@closeloop/notification-domain';
import { Clock } from '@closeloop/runtime';
import { NOTIFICATION_ACTOR } from '../alerts/delivery-commands';
import { OrderFacts } from '../alerts/order-facts';
import { OrderFactsRepository } from '../alerts/order-facts.repository';
import { NOTIFICATION_CONFIG, NotificationConfig } from '../notification.config';
import { NoticeDestination, NoticeMessage, ResidentNoticesRepository } from './resident-notices.repository';
import { RESIDENT_SENDERS, ResidentSenders } from './resident-senders';

export const RESIDENT_NOTICE_RULES = Symbol('ResidentNoticeRules');
export type ResidentNoticeRules = ReloadingJsonFile<typeof ResidentNoticeConfigSchema>;

/** A step that reaches this service later than this after it happened is old news (a replay, a long outage). */
const STALE_AFTER_MS = 24 * 3600_000;

/**
 * Step notices to the resident who reported an order (ADR 27). For each step of the order on workorders.events,
 * after notification's facts about the order took it in: the site's rule for the report's channel decides how the
 * resident hears of it, and what came of it is an event on the order's `resident-notice-<id>` stream. A notice to
 * send is queued for ResidentNoticeWorker; one in quiet hours is queued for their end, and a later step of the same
 * order supersedes it. Every step is one notice (its id derived from the event's), so a redelivered event queues
 * and records nothing twice.
 */
@Injectable()
export class ResidentNotices {
  private readonly logger = new Logger('resident-notices');
  private readonly keys: ResidentKeys;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly notices: ResidentNoticesRepository,
    private readonly facts: OrderFactsRepository,
    @Inject(RESIDENT_NOTICE_RULES) private readonly rules: ResidentNoticeRules,
    @Inject(RESIDENT_SENDERS) private readonly senders: ResidentSenders,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    private readonly clock: Clock,
  ) {
    this.keys = new ResidentKeys(config.RESIDENT_SECRET);
  }

  /** The resident's status link for an order. */
  linkOf(workOrderId: string): string {
    return `${this.config.RESIDENT_LINK_BASE_URL}${this.keys.linkToken(workOrderId)}`;
  }

  phoneDigest(phone: string): string {
    return this.keys.phoneDigest(phone);
  }

  async onOrderEvent(domainEvent: DomainEvent, { event }: InboundCloudEvent): Promise<void> {
    const occurrence = residentStepOf(domainEvent);
    const workOrderId = event.workorderid;
    if (!occurrence || !workOrderId) return;
    const facts = await this.facts.find(workOrderId);
    const reportChannel = ChannelSchema.safeParse(facts?.reportChannel);
    // Before its report, or reported before notification kept the report's channel: nobody to tell, or no rule.
    if (!facts || facts.siteId === null || facts.number === null || !reportChannel.success) return;
    const now = this.clock.now();
    const noticeId = residentNoticeIdFor(workOrderId, event.id);
    // A redelivered step was planned before: planning it again could only supersede the later steps after it.
    if (await this.planned(workOrderId, noticeId)) return;
    const happenedAt = event.time ? Date.parse(event.time) : now.getTime();
    const known = { ...facts, siteId: facts.siteId, number: facts.number };
    await this.plan(known, reportChannel.data, occurrence, noticeId, now, now.getTime() - happenedAt > STALE_AFTER_MS);
  }

  private async plan(
    facts: OrderFacts & { siteId: string; number: string },
    reportChannel: Channel,
    occurrence: StepOccurrence,
    noticeId: string,
    now: Date,
    stale: boolean,
  ): Promise<void> {
    const { workOrderId } = facts;
    const config = this.rules.get();
    const rule = siteNoticeRule(config, facts.siteId);
    const step = occurrence.step;
    const at = now.toISOString();
    // A later step supersedes any earlier one still waiting for the end of quiet hours: the latest state, once.
    for (const waiting of await this.notices.waitingDeferred(workOrderId, noticeId)) {
      await this.record(workOrderId, 'superseded', {
        type: EventTypes.ResidentNotificationSkipped,
        data: {
          workOrderId,
          noticeId: waiting.noticeId,
          step: waiting.step,
          channel: waiting.channel,
          reason: 'superseded',
          supersededBy: step,
          skippedAt: at,
        },
      });
      await this.notices.markSuperseded(waiting.noticeId);
    }
    const optedOut =
      facts.reporterPhone !== null &&
      (await this.notices.isOptedOut(facts.siteId, this.phoneDigest(facts.reporterPhone)));
    const plan = planNotice({
      rule,
      reportChannel,
      tier: facts.tier,
      reporterPhone: facts.reporterPhone,
      wechatOpenId: facts.reporterWechatOpenId,
      optedOut,
      available: { sms: this.senders.sms !== undefined, wechat: this.senders.wechat !== undefined && !!config.wechat },
      now,
    });
    const notice = { workOrderId, noticeId, step };
    if (stale || plan.action === 'skip') {
      await this.record(workOrderId, 'skipped', {
        type: EventTypes.ResidentNotificationSkipped,
        data: {
          ...notice,
          channel: plan.channel,
          reason: stale ? 'stale' : (plan as Extract<typeof plan, { action: 'skip' }>).reason,
          skippedAt: at,
        },
      });
      return;
    }
    const message = renderResidentMessage({
      occurrence,
      number: facts.number,
      link: this.linkOf(workOrderId),
      at: now,
      timeZone: rule.timeZone,
    });
    const destination = this.destinationOf(plan.channel, facts);
    const noticeMessage: NoticeMessage =
      plan.channel === 'wechat' && config.wechat
        ? {
            text: message.text,
            wechat: {
              templateId: config.wechat.templateId,
              page: config.wechat.page ? `${config.wechat.page}?token=${this.keys.linkToken(workOrderId)}` : undefined,
              data: weChatTemplateData(config.wechat, facts.number, message),
            },
          }
        : { text: message.text };
    const dueAt = plan.action === 'defer' ? plan.until : now;
    await this.notices.queue({
      ...notice,
      channel: plan.channel,
      destination,
      message: noticeMessage,
      deferred: plan.action === 'defer',
      dueAt,
    });
    if (plan.action === 'defer') {
      await this.record(workOrderId, 'deferred', {
        type: EventTypes.ResidentNotificationDeferred,
        data: {
          ...notice,
          channel: plan.channel,
          reason: 'quiet-hours',
          until: plan.until.toISOString(),
          deferredAt: at,
        },
      });
    }
  }

  private destinationOf(channel: ResidentSendChannel, facts: OrderFacts): NoticeDestination {
    if (channel === 'wechat') return { openId: facts.reporterWechatOpenId as string };
    return { phone: smsNumberOf(facts.reporterPhone) as string };
  }

  private async planned(workOrderId: string, noticeId: string): Promise<boolean> {
    if (await this.notices.exists(noticeId)) return true;
    const { state } = await aggregateStream(this.store, residentNoticeStream(workOrderId), residentNoticeDecider);
    return state.notices[noticeId] !== undefined;
  }

  /** Records what came of a notice on the order's resident-notice stream, once per notice and outcome. */
  async record(workOrderId: string, outcome: string, event: ResidentNoticeEvent): Promise<void> {
    const { noticeId } = event.data;
    const { events } = await handleCommand(this.store, residentNoticeDecider, {
      streamId: residentNoticeStream(workOrderId),
      command: () => ({ type: 'RecordResidentNotice' as const, event }),
      metadata: {
        workOrderId,
        correlationId: `resident-notice:${noticeId}`,
        causationId: `resident-notice:${noticeId}:${outcome}`,
        actor: NOTIFICATION_ACTOR,
        producer: 'notification',
      },
      oncePerCause: true,
    });
    if (events.length > 0) this.logger.debug(`order ${workOrderId}: ${event.type} for ${event.data.step}`);
  }
}
