import {
  addLocalDays,
  Channel,
  ChannelSchema,
  DEFAULT_SITE_TIME_ZONE,
  DomainEvent,
  EventTypes,
  LocalTimeSchema,
  ResidentNoticeChannel,
  ResidentNoticeChannelSchema,
  ResidentSendChannel,
  ResidentStep,
  TimeZoneSchema,
  localDateOf,
  localWallTimeToInstant,
  wallClockAt,
} from '@closeloop/contracts';
import { z } from 'zod';

// ── Which step ─────────────────────────────────────────────────────────────────────────────────────────────
// The resident hears of six steps of their order (docs/adr/0027-resident-step-notices.md). "Received" is told once
// the order is triaged, which intake records with the report itself: by then its tier is known, and an urgent
// order is told even in quiet hours.

/** A step of the order the resident is told about, with what the message says of it. */
export type StepOccurrence =
  { readonly step: Exclude<ResidentStep, 'on-hold'> } | { readonly step: 'on-hold'; readonly holdReason: string };

/** The step an event of the order's stream is, if it is one the resident hears of. */
export const residentStepOf = (event: DomainEvent): StepOccurrence | undefined => {
  switch (event.type) {
    case EventTypes.WorkOrderTriaged:
      return { step: 'received' };
    case EventTypes.WorkOrderAssigned:
      return { step: 'assigned' };
    case EventTypes.WorkOrderAcknowledged:
      // From the dispatcher queue: whoever accepts it first owns it, which is its assignment as the resident sees it.
      return event.data.becameOwner ? { step: 'assigned' } : undefined;
    case EventTypes.WorkStarted:
      return { step: 'started' };
    case EventTypes.WorkOrderPutOnHold:
      return { step: 'on-hold', holdReason: event.data.reason };
    case EventTypes.WorkOrderResolved:
      return { step: 'resolved' };
    case EventTypes.WorkOrderClosed:
      return { step: 'closed' };
    default:
      return undefined;
  }
};

// ── Configuration: channels per site and report channel, zone and quiet hours ─────────────────────────────────

const QuietHoursSchema = z
  .object({ from: LocalTimeSchema, to: LocalTimeSchema })
  .strict()
  .refine((q) => q.from !== q.to, 'from and to must differ (null turns quiet hours off)');

const ChannelRulesSchema = z.record(ChannelSchema, ResidentNoticeChannelSchema);

const SiteRuleSchema = z
  .object({
    /** The notice channel for each report channel; report channels not named keep the default's. */
    channels: ChannelRulesSchema.optional(),
    timeZone: TimeZoneSchema.optional(),
    /** No SMS between these local times except for urgent orders; null: none at this site. */
    quietHours: QuietHoursSchema.nullable().optional(),
  })
  .strict();

/** config/resident-notifications.json (docs/operations.md, "Resident notifications"). */
export const ResidentNoticeConfigSchema = z
  .object({
    default: z
      .object({
        channels: z.object(
          Object.fromEntries(ChannelSchema.options.map((c) => [c, ResidentNoticeChannelSchema])) as Record<
            Channel,
            typeof ResidentNoticeChannelSchema
          >,
        ),
        timeZone: TimeZoneSchema.default(DEFAULT_SITE_TIME_ZONE),
        quietHours: QuietHoursSchema.nullable().default({ from: '22:00', to: '07:00' }),
      })
      .strict(),
    sites: z.record(z.string().min(1), SiteRuleSchema).default({}),
    /** The subscribe-message template the site's mini-program registered, and the keywords of its fields. */
    wechat: z
      .object({
        templateId: z.string().min(1).max(128),
        /** The mini-program page the message opens; the order's link token is appended as `?token=`. */
        page: z.string().min(1).max(256).optional(),
        fields: z
          .object({
            number: z.string().min(1).default('character_string1'),
            status: z.string().min(1).default('phrase2'),
            detail: z.string().min(1).default('thing3'),
            time: z.string().min(1).default('time4'),
          })
          .strict()
          .default({}),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ResidentNoticeConfig = z.infer<typeof ResidentNoticeConfigSchema>;
export type WeChatTemplate = NonNullable<ResidentNoticeConfig['wechat']>;

/** What applies at one site: its channels, zone and quiet hours, the default's where the site says nothing. */
export interface SiteNoticeRule {
  readonly channels: Readonly<Record<Channel, ResidentNoticeChannel>>;
  readonly timeZone: string;
  readonly quietHours: { readonly from: string; readonly to: string } | null;
}

export const siteNoticeRule = (config: ResidentNoticeConfig, siteId: string): SiteNoticeRule => {
  const site = config.sites[siteId];
  return {
    channels: { ...config.default.channels, ...(site?.channels ?? {}) },
    timeZone: site?.timeZone ?? config.default.timeZone,
    quietHours: site?.quietHours === undefined ? config.default.quietHours : site.quietHours,
  };
};

// ── Quiet hours ─────────────────────────────────────────────────────────────────────────────────────────────

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

/**
 * When the quiet hours `now` falls in end, or undefined outside them. Overnight hours (22:00-07:00) end on the
 * next local morning when it is evening, this morning when it is after midnight; wall times in the site's zone.
 */
export const quietHoursEndAt = (rule: Pick<SiteNoticeRule, 'quietHours' | 'timeZone'>, now: Date): Date | undefined => {
  const quiet = rule.quietHours;
  if (!quiet) return undefined;
  const wall = wallClockAt(now.getTime(), rule.timeZone);
  const minute = wall.hour * 60 + wall.minute;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  const today = localDateOf(now, rule.timeZone);
  if (from < to) {
    return minute >= from && minute < to ? localWallTimeToInstant(today, quiet.to, rule.timeZone) : undefined;
  }
  if (minute >= from) return localWallTimeToInstant(addLocalDays(today, 1), quiet.to, rule.timeZone);
  if (minute < to) return localWallTimeToInstant(today, quiet.to, rule.timeZone);
  return undefined;
};

// ── The plan for one step ────────────────────────────────────────────────────────────────────────────────────

export interface NoticeInput {
  readonly rule: SiteNoticeRule;
  readonly reportChannel: Channel;
  readonly tier: string | null;
  readonly reporterPhone: string | null;
  readonly wechatOpenId: string | null;
  readonly optedOut: boolean;
  /** The channels this deployment can send on (a provider account configured). */
  readonly available: Readonly<Record<ResidentSendChannel, boolean>>;
  readonly now: Date;
}

export type NoticePlan =
  | { readonly action: 'send'; readonly channel: ResidentSendChannel }
  | { readonly action: 'defer'; readonly channel: 'sms'; readonly until: Date }
  | {
      readonly action: 'skip';
      readonly channel: ResidentNoticeChannel;
      readonly reason: 'opted-out' | 'no-contact' | 'left-to-integrator' | 'channel-none' | 'channel-unavailable';
    };

/**
 * What to do with one step: the site's channel for the report's channel decides; the integrator's and "none" send
 * nothing here; an opted-out resident is sent nothing; a missing address or provider is said as such; an SMS in
 * quiet hours waits for their end unless the order is urgent.
 */
export const planNotice = (input: NoticeInput): NoticePlan => {
  const channel = input.rule.channels[input.reportChannel];
  switch (channel) {
    case 'none':
      return { action: 'skip', channel, reason: 'channel-none' };
    case 'integrator':
      return { action: 'skip', channel, reason: 'left-to-integrator' };
    case 'sms':
    case 'wechat': {
      if (input.optedOut) return { action: 'skip', channel, reason: 'opted-out' };
      const reachable = channel === 'sms' ? smsNumberOf(input.reporterPhone) !== undefined : !!input.wechatOpenId;
      if (!reachable) return { action: 'skip', channel, reason: 'no-contact' };
      if (!input.available[channel]) return { action: 'skip', channel, reason: 'channel-unavailable' };
      if (channel === 'sms' && input.tier !== 'urgent') {
        const until = quietHoursEndAt(input.rule, input.now);
        if (until) return { action: 'defer', channel, until };
      }
      return { action: 'send', channel };
    }
    default: {
      const unknown: never = channel;
      throw new Error(`unknown resident notice channel ${String(unknown)}`);
    }
  }
};

/**
 * The number to text: a mainland mobile (11 digits from 1, with or without +86/0086) as +86…, any other number
 * already written with its country code as given; a landline or a number without one cannot take an SMS.
 */
export const smsNumberOf = (phone: string | null | undefined): string | undefined => {
  if (!phone) return undefined;
  const trimmed = phone.trim();
  const digits = trimmed.replace(/\D/g, '');
  const national = trimmed.startsWith('+86')
    ? digits.slice(2)
    : digits.startsWith('0086')
      ? digits.slice(4)
      : digits.length === 13 && digits.startsWith('861')
        ? digits.slice(2)
        : trimmed.startsWith('+')
          ? undefined
          : digits;
  if (national === undefined) return /^\+[1-9]\d{6,14}$/.test(`+${digits}`) ? `+${digits}` : undefined;
  return /^1[3-9]\d{9}$/.test(national) ? `+86${national}` : undefined;
};

// ── What the resident reads ──────────────────────────────────────────────────────────────────────────────────

const HOLD_REASONS: Readonly<Record<string, string>> = {
  'waiting-on-resident': '需要您的配合，维修人员会与您联系',
  'waiting-on-parts': '正在等待配件',
  'waiting-on-access': '正在等待入户条件',
  other: '因故暂缓',
};

export interface ResidentMessageContext {
  readonly occurrence: StepOccurrence;
  readonly number: string;
  /** The resident's status link. */
  readonly link: string;
  readonly at: Date;
  readonly timeZone: string;
}

export interface ResidentMessage {
  /** The SMS text: short, Chinese, the number and the link. */
  readonly text: string;
  /** The step in at most five characters, a subscribe message's `phrase` field. */
  readonly status: string;
  /** One line of detail, at most twenty characters (a `thing` field). */
  readonly detail: string;
  /** "YYYY-MM-DD HH:mm" in the site's zone (a `time` field). */
  readonly time: string;
}

const STATUS: Readonly<Record<ResidentStep, string>> = {
  received: '已受理',
  assigned: '已派单',
  started: '处理中',
  'on-hold': '暂停处理',
  resolved: '待确认',
  closed: '已办结',
};

/** The message for a step: Chinese, as residents read it; the link on every step, a request to confirm on "resolved". */
export const renderResidentMessage = ({
  occurrence,
  number,
  link,
  at,
  timeZone,
}: ResidentMessageContext): ResidentMessage => {
  let detail: string;
  let sentence: string;
  switch (occurrence.step) {
    case 'received':
      detail = '我们已收到您的报修';
      sentence = `您的报修已受理，单号${number}。`;
      break;
    case 'assigned':
      detail = '已安排维修人员';
      sentence = `您的报修${number}已安排维修人员处理。`;
      break;
    case 'started':
      detail = '维修人员已开始处理';
      sentence = `您的报修${number}维修人员已开始处理。`;
      break;
    case 'on-hold':
      detail = HOLD_REASONS[occurrence.holdReason] ?? (HOLD_REASONS['other'] as string);
      sentence = `您的报修${number}暂停处理：${detail}。`;
      break;
    case 'resolved':
      detail = '已处理完毕，请确认并评价';
      sentence = `您的报修${number}已处理完毕，请确认是否修好并评价：`;
      break;
    case 'closed':
      detail = '工单已办结，感谢您的反馈';
      sentence = `您的报修${number}已办结，感谢您的反馈。`;
      break;
    default: {
      const unknown: never = occurrence;
      throw new Error(`unknown step ${JSON.stringify(unknown)}`);
    }
  }
  const text =
    occurrence.step === 'resolved' ? `【物业服务】${sentence}${link}` : `【物业服务】${sentence}查看进度：${link}`;
  const time = localDateTimeMinute(at, timeZone);
  return { text, status: STATUS[occurrence.step], detail: Array.from(detail).slice(0, 20).join(''), time };
};

const localDateTimeMinute = (at: Date, timeZone: string): string => {
  const w = wallClockAt(at.getTime(), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}`;
};

/** The subscribe message's `data`, in the template's field keywords, each value within WeChat's limits. */
export const weChatTemplateData = (
  template: WeChatTemplate,
  number: string,
  message: ResidentMessage,
): Record<string, { value: string }> => ({
  [template.fields.number]: { value: number.slice(0, 32) },
  [template.fields.status]: { value: Array.from(message.status).slice(0, 5).join('') },
  [template.fields.detail]: { value: message.detail },
  [template.fields.time]: { value: message.time },
});
