import { DEFAULT_SITE_TIME_ZONE, maskPhone, ReportedOrder, SlaTarget } from '@closeloop/contracts';
import { AlertKind } from './alert.state';
import { localDateTimeOf } from './oncall-schedule';

// ── Alert messages ────────────────────────────────────────────────────────────────────────────────────────
// One alert, rendered for every channel: plain text (SMS, e-mail text part, WeCom/DingTalk text), HTML (e-mail)
// and Markdown (chat cards). English, with the Chinese term the service desk uses in brackets. The resident's
// phone number is personal data: it is masked before it is placed in any format, and free text typed by a
// resident or an agent (the description, the location) is searched for phone numbers too. Every inserted value is
// escaped for the format it goes into, so a description containing markup shows as text.

/**
 * What one alert says: the order as reported (its number and site always; the rest, description included, only
 * once notification has its report) and the alert's own facts.
 */
export interface AlertContext extends Omit<ReportedOrder, 'description'>, Partial<Pick<ReportedOrder, 'description'>> {
  readonly kind: AlertKind;
  readonly level?: number | undefined;
  readonly target?: SlaTarget | undefined;
  readonly tier?: string | undefined;
  /** The target's deadline, ISO. */
  readonly dueAt?: string | undefined;
  /** When the message is rendered: overdue and remaining times count from here. */
  readonly now: Date;
  readonly ownerName?: string | undefined;
  /** Oldest first; the last five are shown. Types may be full (closeloop.workorder.acknowledged.v1) or short. */
  readonly recentEvents: readonly { readonly type: string; readonly at: string }[];
  readonly timelineUrl: string;
  readonly ackUrl?: string | undefined;
  /** The site's zone, for the local times shown; Asia/Shanghai unless given. */
  readonly timeZone?: string | undefined;
  /** Sent to the site's fallback contact because nobody in the escalation chain could be reached (ADR 12). */
  readonly chainExhausted?: boolean | undefined;
}

export interface AlertMessage {
  readonly title: string;
  readonly text: string;
  readonly html: string;
  readonly markdown: string;
}

// ── Phone masking (one rule, in contracts, for every place a resident's number is shown) ──────────────────

/** 7 or more digits, optionally after a +, with single spaces or dashes between them. */
const PHONE_LIKE = /(?<![\d+])\+?\d(?:[ -]?\d){6,}(?!\d)/g;
/** A calendar date is not a phone number: residents write "since 2026-11-20". */
const ISO_DATE = /^(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

/**
 * Masks every run in free text that looks like a phone number. It errs towards masking: a long reference number
 * typed into a description is masked too, which costs less than a resident's number in a group chat.
 */
export const maskPhonesIn = (text: string): string =>
  text.replace(PHONE_LIKE, (match) => (ISO_DATE.test(match) ? match : maskPhone(match)));

// ── Wording ───────────────────────────────────────────────────────────────────────────────────────────────

const kindLabel = (context: AlertContext): string => {
  switch (context.kind) {
    case 'escalation':
      return context.level === undefined ? 'Escalation (升级)' : `Escalation level ${context.level} (升级)`;
    case 'warning':
      return 'SLA warning (预警)';
    case 'urgent-order':
      return 'Urgent order (紧急工单)';
    default: {
      const unhandled: never = context.kind;
      return String(unhandled);
    }
  }
};

const TARGET_LABELS: Readonly<Record<string, string>> = {
  response: 'Response (响应)',
  resolution: 'Resolution (解决)',
};
const TIER_LABELS: Readonly<Record<string, string>> = {
  urgent: 'urgent (紧急)',
  normal: 'normal (普通)',
  planned: 'planned (计划)',
};

/** "1 h 05 min", "2 d 3 h 05 min", "12 min", "less than 1 min". */
export const formatDuration = (ms: number): string => {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) return 'less than 1 min';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = String(minutes % 60).padStart(2, '0');
  if (days > 0) return `${days} d ${hours} h ${mins} min`;
  if (hours > 0) return `${hours} h ${mins} min`;
  return `${minutes} min`;
};

/** "overdue by 1 h 05 min" or "due in 25 min"; a deadline that is exactly now is overdue. */
const timing = (dueAt: string, now: Date): string | undefined => {
  const due = Date.parse(dueAt);
  if (Number.isNaN(due)) return undefined;
  const late = now.getTime() - due;
  return late >= 0 ? `overdue by ${formatDuration(late)}` : `due in ${formatDuration(late)}`;
};

/** closeloop.workorder.work-started.v1 → "work started"; closeloop.sla.breached.v1 → "SLA breached". */
export const shortEventName = (type: string): string => {
  const bare = type.replace(/^closeloop\./, '').replace(/\.v\d+$/, '');
  const [area, ...rest] = bare.split('.');
  const name = (rest.length > 0 ? rest.join('.') : (area as string)).replace(/-/g, ' ');
  if (rest.length === 0 || area === 'workorder') return name;
  return area === 'sla' ? `SLA ${name}` : `${area} ${name}`;
};

const localTime = (iso: string, timeZone: string): string => {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : localDateTimeOf(new Date(time), timeZone);
};

/** Resident-typed text, on one line: masked, whitespace collapsed, cut to a length a pager shows. */
const freeText = (text: string | undefined, max = 500): string | undefined => {
  if (text === undefined) return undefined;
  const flat = maskPhonesIn(text).replace(/\s+/g, ' ').trim();
  if (flat === '') return undefined;
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

const isWebLink = (url: string): boolean => /^https?:\/\//i.test(url);

// ── Rendering ─────────────────────────────────────────────────────────────────────────────────────────────
// The message is built once as labelled facts, events and links, then written out per format, so the three can
// never say different things.

interface Fact {
  readonly label: string;
  readonly value: string;
}
interface Link {
  readonly label: string;
  readonly url: string;
}

const escapeHtml = (value: string): string =>
  value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/**
 * Backslash-escapes what CommonMark would read as emphasis, code, links, raw HTML, headings or tables. Brackets
 * are escaped, so "(" and "!" can no longer start a link or an image and are left alone.
 */
const escapeMarkdown = (value: string): string => value.replace(/[\\`*_[\]<>#|~]/g, '\\$&');

/** A URL safe inside Markdown's (…) and HTML's href: spaces, brackets and quotes percent-encoded. */
const safeUrl = (url: string): string =>
  url.replace(/[\s()<>"'`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** A link as HTML; one that is not an http(s) address is written out as text, never made clickable. */
const htmlLink = (l: Link): string =>
  isWebLink(l.url)
    ? `<a href="${escapeHtml(safeUrl(l.url))}">${escapeHtml(l.label)}</a>`
    : `${escapeHtml(l.label)}: ${escapeHtml(l.url)}`;

/** A link as Markdown, on the same rule as `htmlLink`. */
const markdownLink = (l: Link): string =>
  isWebLink(l.url)
    ? `[${escapeMarkdown(l.label)}](${safeUrl(l.url)})`
    : `${escapeMarkdown(l.label)}: ${escapeMarkdown(l.url)}`;

export const renderAlert = (context: AlertContext): AlertMessage => {
  const zone = context.timeZone ?? DEFAULT_SITE_TIME_ZONE;
  const kind = kindLabel(context);
  const targetLabel = context.target ? TARGET_LABELS[context.target] : undefined;
  const when = context.dueAt === undefined ? undefined : timing(context.dueAt, context.now);

  const headline = when ? `${context.target ?? 'target'} ${when}` : undefined;
  const title = `${context.chainExhausted ? 'Nobody on call could be reached (无人响应) — ' : ''}${kind}: order ${context.number} at ${context.siteId}${headline ? ` — ${headline}` : ''}`;

  const location = [context.building, context.unit]
    .map((part) => freeText(part, 100))
    .filter((part): part is string => part !== undefined);
  const facts: Fact[] = [
    { label: 'Order (工单)', value: context.number },
    { label: 'Site (项目)', value: context.siteId },
  ];
  if (location.length > 0) facts.push({ label: 'Location (位置)', value: location.join(', ') });
  const category = freeText(context.category, 100);
  if (category) facts.push({ label: 'Category (类别)', value: category });
  if (context.tier)
    facts.push({
      label: 'Tier (等级)',
      value: TIER_LABELS[context.tier] ?? freeText(context.tier, 50) ?? context.tier,
    });
  if (when && context.dueAt)
    facts.push({
      label: targetLabel ?? 'Target (时限)',
      value: `${when} (due ${localTime(context.dueAt, zone)}, ${zone})`,
    });
  facts.push({ label: 'Owner (负责人)', value: freeText(context.ownerName, 100) ?? 'none yet (未指派)' });
  if (context.reporterPhone)
    facts.push({ label: 'Resident phone (报修电话)', value: maskPhone(context.reporterPhone) });
  const description = freeText(context.description);
  if (description) facts.push({ label: 'Description (描述)', value: description });

  const events = context.recentEvents.slice(-5).map((e) => `${localTime(e.at, zone)} ${shortEventName(e.type)}`);
  const links: Link[] = [{ label: 'Timeline (工单时间线)', url: context.timelineUrl }];
  if (context.ackUrl) links.push({ label: 'Acknowledge (确认收到)', url: context.ackUrl });
  const eventsLabel = 'Recent events (最近动态)';

  const text = [
    title,
    '',
    ...facts.map((f) => `${f.label}: ${f.value}`),
    ...(events.length > 0 ? ['', `${eventsLabel}:`, ...events.map((e) => `- ${e}`)] : []),
    '',
    ...links.map((l) => `${l.label}: ${l.url}`),
  ].join('\n');

  const html = [
    `<h3>${escapeHtml(title)}</h3>`,
    `<p>${facts.map((f) => `<strong>${escapeHtml(f.label)}:</strong> ${escapeHtml(f.value)}`).join('<br>\n')}</p>`,
    ...(events.length > 0
      ? [
          `<p><strong>${escapeHtml(eventsLabel)}:</strong></p>`,
          `<ul>${events.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`,
        ]
      : []),
    `<p>${links.map(htmlLink).join(' · ')}</p>`,
  ].join('\n');

  const markdown = [
    `### ${escapeMarkdown(title)}`,
    '',
    ...facts.map((f) => `**${escapeMarkdown(f.label)}:** ${escapeMarkdown(f.value)}  `),
    ...(events.length > 0
      ? ['', `**${escapeMarkdown(eventsLabel)}:**`, ...events.map((e) => `- ${escapeMarkdown(e)}`)]
      : []),
    '',
    links.map(markdownLink).join(' · '),
  ].join('\n');

  return { title, text, html, markdown };
};

// ── Storm digests ─────────────────────────────────────────────────────────────────────────────────────────
// During an alert storm at a site (ADR 12) each recipient gets one message per channel and window listing every
// alert held for them, each with its order's timeline, and one link that acknowledges them all.

export interface DigestEntry {
  readonly kind: AlertContext['kind'];
  readonly level?: number | undefined;
  readonly target?: 'response' | 'resolution' | undefined;
  readonly number: string;
  readonly building?: string | undefined;
  readonly category?: string | undefined;
  readonly timelineUrl: string;
}

export interface DigestContext {
  readonly siteId: string;
  readonly windowSeconds: number;
  readonly entries: readonly DigestEntry[];
  readonly ackUrl?: string | undefined;
}

/** "12 urgent orders at S1 in 5 min" when every entry is a new urgent order, else "12 alerts at S1 in 5 min". */
const digestHeadline = (context: DigestContext): string => {
  const count = context.entries.length;
  const allUrgent = context.entries.every((e) => e.kind === 'urgent-order');
  const noun = allUrgent ? (count === 1 ? 'urgent order' : 'urgent orders') : count === 1 ? 'alert' : 'alerts';
  const window =
    context.windowSeconds >= 60 ? `${Math.round(context.windowSeconds / 60)} min` : `${context.windowSeconds} s`;
  return `${count} ${noun} at ${context.siteId} in ${window} (告警汇总)`;
};

export const renderDigest = (context: DigestContext): AlertMessage => {
  const title = digestHeadline(context);
  const line = (e: DigestEntry): string =>
    [
      e.number,
      kindLabel({
        kind: e.kind,
        level: e.level,
        target: e.target,
        number: e.number,
        siteId: context.siteId,
        now: new Date(0),
        recentEvents: [],
        timelineUrl: e.timelineUrl,
      }),
      e.target ? TARGET_LABELS[e.target] : undefined,
      freeText(e.building, 100),
      freeText(e.category, 100),
    ]
      .filter((part): part is string => part !== undefined)
      .join(' · ');
  const ack: Link | undefined = context.ackUrl
    ? { label: 'Acknowledge all (全部确认)', url: context.ackUrl }
    : undefined;
  const text = [
    title,
    '',
    ...context.entries.map((e) => `- ${line(e)}: ${e.timelineUrl}`),
    ...(ack ? ['', `${ack.label}: ${ack.url}`] : []),
  ].join('\n');
  const html = [
    `<h3>${escapeHtml(title)}</h3>`,
    `<ul>${context.entries.map((e) => `<li>${escapeHtml(line(e))} ${htmlLink({ label: 'Timeline (工单时间线)', url: e.timelineUrl })}</li>`).join('')}</ul>`,
    ...(ack ? [`<p>${htmlLink(ack)}</p>`] : []),
  ].join('\n');
  const markdown = [
    `### ${escapeMarkdown(title)}`,
    '',
    ...context.entries.map(
      (e) => `- ${escapeMarkdown(line(e))} ${markdownLink({ label: 'Timeline', url: e.timelineUrl })}`,
    ),
    ...(ack ? ['', markdownLink(ack)] : []),
  ].join('\n');
  return { title, text, html, markdown };
};
