// Each timeline event in words, in the reader's language: the event's type names a sentence in this page's messages
// (`event.<stream>.<name>`, from `closeloop.<stream>.<name>.v<n>`), filled from the event's data (the shapes in
// libs/contracts/src/events and docs/asyncapi.yaml). A type the console does not know yet is shown by its name.
import { formatInstant } from '../../format';

export interface TimelineEvent {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly source: string;
  readonly actor: string | null;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly data: Record<string, unknown>;
}

/** The page's translation, as i18next gives it (keys relative to the page's namespace). */
export interface Words {
  readonly t: (key: string, values?: Record<string, unknown>) => string;
  readonly exists: (key: string) => boolean;
  readonly locale: string;
}

interface Person {
  readonly staffId: string;
  readonly name: string;
}

const isPerson = (value: unknown): value is Person =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Person).staffId === 'string' &&
  typeof (value as Person).name === 'string';

const PEOPLE_FIELDS = ['by', 'owner', 'from', 'to', 'acknowledgedBy'] as const;

/** Everyone the timeline names with their name, by staff id: how `staff:<id>` actors get a name. */
export const staffNamesOf = (events: readonly TimelineEvent[]): ReadonlyMap<string, string> => {
  const names = new Map<string, string>();
  for (const event of events)
    for (const field of PEOPLE_FIELDS) {
      const person = event.data[field];
      if (isPerson(person)) names.set(person.staffId, person.name);
    }
  return names;
};

/** `closeloop.workorder.reported.v1` → `event.workorder.reported`. */
export const sentenceKeyOf = (type: string): string | undefined => {
  const match = /^closeloop\.([a-z-]+)\.([a-z-]+)\.v\d+$/.exec(type);
  return match ? `event.${match[1]}.${match[2]}` : undefined;
};

const text = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
const nameOf = (value: unknown): string => (isPerson(value) ? value.name : '');

/** A enum value in words from the page's messages (`<group>.<value>`), else the value as sent. */
const wordFor = (words: Words, group: string, value: unknown): string => {
  const key = `${group}.${text(value)}`;
  return words.exists(key) ? words.t(key) : text(value);
};

/** Optional free text, set off after the sentence: "：<note>" / ": <note>". */
const aside = (words: Words, value: unknown): string => (text(value) ? words.t('aside', { text: text(value) }) : '');

/** The values each sentence is filled from; the same keys in both languages. */
const valuesOf = (event: TimelineEvent, words: Words): Record<string, unknown> => {
  const d = event.data;
  const at = (value: unknown) => formatInstant(text(value) || undefined, words.locale);
  const target = wordFor(words, 'target', d['target']);
  switch (sentenceKeyOf(event.type)) {
    case 'event.workorder.reported': {
      const reporter = d['reporter'] as { name?: string; phone?: string } | undefined;
      return {
        channel: wordFor(words, 'channel', d['channel']),
        reporter: [reporter?.name, reporter?.phone].filter(Boolean).join(' ') || words.t('anonymous'),
        description: text(d['description']),
      };
    }
    case 'event.workorder.triaged':
      return { tier: wordFor(words, 'tier', d['tier']), category: text(d['category']), reason: text(d['reason']) };
    case 'event.workorder.assigned':
      return { owner: nameOf(d['owner']), team: text(d['teamId']), reason: text(d['reason']) };
    case 'event.workorder.queued-for-dispatch':
      return { queue: text(d['queueId']), reason: text(d['reason']) };
    case 'event.workorder.acknowledged':
      return { by: nameOf(d['by']), context: d['becameOwner'] === true ? 'owner' : undefined };
    case 'event.workorder.work-started':
      return { by: nameOf(d['by']) };
    case 'event.workorder.put-on-hold':
      return { by: nameOf(d['by']), reason: wordFor(words, 'holdReason', d['reason']), note: aside(words, d['note']) };
    case 'event.workorder.resumed':
      return { by: nameOf(d['by']), minutes: Math.round(Number(d['heldSeconds'] ?? 0) / 60) };
    case 'event.workorder.resolved':
      return { by: nameOf(d['by']), notes: text(d['notes']) };
    case 'event.workorder.technician-reassigned':
    case 'event.workorder.ownership-handed-over':
      return {
        by: nameOf(d['by']),
        from: nameOf(d['from']) || words.t('nobody'),
        to: nameOf(d['to']),
        reason: text(d['reason']),
      };
    case 'event.workorder.cancelled':
      return {
        by: nameOf(d['by']),
        reason: wordFor(words, 'cancelReason', d['reason']),
        note: aside(words, d['note']),
      };
    case 'event.workorder.resolution-rejected':
      return { comment: aside(words, d['comment']) };
    case 'event.workorder.reopened':
      return {
        round: text(d['round']),
        trigger: wordFor(words, 'reopenTrigger', d['trigger']),
        reason: text(d['reason']),
      };
    case 'event.workorder.closed':
      return {
        context: text(d['outcome']),
        rating: text(d['rating']) || '—',
        comment: aside(words, d['comment']),
      };
    case 'event.workorder.follow-up-contact-recorded': {
      const caller = d['caller'] as { name?: string } | undefined;
      return {
        contactNumber: text(d['contactNumber']),
        channel: wordFor(words, 'channel', d['channel']),
        caller: caller?.name ?? words.t('resident'),
        note: aside(words, d['note']),
      };
    }
    case 'event.workorder.callback-requested':
      return { dueAt: at(d['dueAt']) };
    case 'event.workorder.duplicate-report-linked': {
      const reporter = d['reporter'] as { name?: string } | undefined;
      return {
        reporter: reporter?.name ?? words.t('anonymous'),
        channel: wordFor(words, 'channel', d['channel']),
        similarity: new Intl.NumberFormat(words.locale, { style: 'percent' }).format(Number(d['similarity'] ?? 0)),
        reason: text(d['reason']),
        contactNumber: text(d['contactNumber']),
      };
    }
    case 'event.sla.targets-set':
      return {
        tier: wordFor(words, 'tier', d['tier']),
        responseDueAt: at(d['responseDueAt']),
        resolutionDueAt: at(d['resolutionDueAt']),
      };
    case 'event.sla.warning-raised':
    case 'event.sla.breached':
      return { target, dueAt: at(d['dueAt']) };
    case 'event.sla.escalated':
      return { target, level: text(d['level']), levelName: wordFor(words, 'level', d['level']) };
    case 'event.sla.target-met':
      return { target, context: d['onTime'] === true ? 'onTime' : 'late' };
    case 'event.sla.clock-resumed':
    case 'event.sla.clock-restarted':
      return { round: text(d['round']), dueAt: at(d['resolutionDueAt']) };
    case 'event.sla.escalation-acknowledged':
      return { target, level: text(d['level']), by: nameOf(d['acknowledgedBy']) };
    case 'event.alert.raised': {
      const recipients = (d['recipients'] as { staffId: string; role: string }[] | undefined) ?? [];
      return {
        kind: wordFor(words, 'alertKind', d['kind']),
        level: d['level'] === undefined ? '' : words.t('levelTag', { level: text(d['level']) }),
        target: d['target'] === undefined ? '' : target,
        recipients:
          recipients
            .map((r) => words.t('recipient', { staff: r.staffId, role: wordFor(words, 'recipientRole', r.role) }))
            .join(words.t('listSeparator')) || words.t('nobody'),
      };
    }
    case 'event.alert.delivery-attempted':
      return {
        staff: text(d['staffId']),
        channel: wordFor(words, 'alertChannel', d['channel']),
        destination: text(d['destination']),
        attempt: text(d['attempt']),
        context: text(d['outcome']),
        error: aside(words, d['error']),
      };
    case 'event.alert.dead-lettered':
      return {
        staff: text(d['staffId']),
        channel: wordFor(words, 'alertChannel', d['channel']),
        attempts: text(d['attempts']),
      };
    case 'event.alert.acknowledged':
      return { by: nameOf(d['acknowledgedBy']), via: wordFor(words, 'ackVia', d['via']) };
    case 'event.alert.closed':
      return { reason: wordFor(words, 'alertClosedReason', d['reason']) };
    case 'event.alert.chain-exhausted': {
      const fallback = d['fallback'] as { staffId?: string } | undefined;
      return { level: text(d['level']), fallback: fallback?.staffId ?? '' };
    }
    default:
      return {};
  }
};

/** The event as a sentence in the reader's language; its type name when the console has no words for it. */
export const describeEvent = (event: TimelineEvent, words: Words): string => {
  const key = sentenceKeyOf(event.type);
  if (!key || !words.exists(key)) return event.type;
  return words.t(key, valuesOf(event, words));
};

/**
 * Who caused the event, in words: a member of staff by name (as the timeline names them), a service, an
 * integrator, or the resident speaking through one (`resident:via:<kind>:<id>`).
 */
export const describeActor = (actor: string | null, names: ReadonlyMap<string, string>, words: Words): string => {
  if (!actor) return '—';
  const [kind = '', ...rest] = actor.split(':');
  const id = rest.join(':');
  switch (kind) {
    case 'staff':
      return names.get(id) ?? id;
    case 'system':
      return words.t('actor.system', { service: wordFor(words, 'service', id) });
    case 'integrator':
      return words.t('actor.integrator', { id });
    case 'resident':
      return words.t('actor.resident', { via: rest.slice(1).join(':') || id });
    default:
      return actor;
  }
};

/** Events that belong to an alert (so the timeline can point at the alert's row). */
export const alertIdOf = (event: TimelineEvent): string | undefined =>
  event.type.startsWith('closeloop.alert.') && typeof event.data['alertId'] === 'string'
    ? event.data['alertId']
    : undefined;
