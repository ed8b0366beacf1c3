import { EventTypes } from '@closeloop/contracts';
import type { DocumentSection, ReportDocument } from '../reports/monthly-report-document';
import type { TimelineRow } from '../work-orders/work-order-views.repository';

// An order's record for a dispute (docs/adr/0033-tamper-evident-event-chain.md): everything the desk knows about it,
// each event with the hashes of the store's chain, signed by the deployment. The JSON is the signed form; the PDF
// shows the same content and the signature for people to read.

export const RECORD_FORMAT = 'closeloop.work-order-record.v1';

/** The record's events: what happened, when, by whom, with the chain link the store gave it. */
export const recordEvents = (rows: readonly TimelineRow[], mask: (data: unknown) => unknown) =>
  rows.map((r) => ({
    eventId: r.event_id,
    type: r.event_type,
    occurredAt: r.occurred_at.toISOString(),
    actor: r.actor,
    source: r.source,
    data: mask(r.data),
    prevHash: r.chain_prev_hash ?? null,
    hash: r.chain_hash ?? null,
  }));

type RecordEvent = ReturnType<typeof recordEvents>[number];

const ESCALATION_TYPES: readonly string[] = [
  EventTypes.SlaEscalated,
  EventTypes.SlaEscalationAcknowledged,
  EventTypes.AlertRaised,
  EventTypes.AlertDeliveryAttempted,
  EventTypes.AlertDeadLettered,
];

/** Escalations and who was paged: the SLA's escalations and every alert, delivery and acknowledgement. */
export const escalationsOf = (events: readonly RecordEvent[]) =>
  events
    .filter((e) => ESCALATION_TYPES.includes(e.type))
    .map((e) => {
      const data = e.data as Record<string, unknown>;
      return {
        type: e.type,
        at: e.occurredAt,
        level: data['level'] ?? null,
        target: data['target'] ?? null,
        staffId: data['staffId'] ?? null,
        channel: data['channel'] ?? null,
        outcome: data['outcome'] ?? null,
        recipients: data['recipients'] ?? null,
      };
    });

const cell = (value: unknown): string =>
  value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value);

/** The record as a document for the PDF: the order, its events with their hashes, the signature. */
export const recordDocument = (record: {
  workOrder: Record<string, unknown>;
  events: readonly RecordEvent[];
  escalations: readonly Record<string, unknown>[];
  issuedAt: string;
  signature?: { kid: string; value: string };
}): ReportDocument => {
  const order = record.workOrder;
  const closure = order['closure'] as Record<string, unknown> | null;
  const reporter = (order['reporter'] ?? {}) as Record<string, unknown>;
  const sections: DocumentSection[] = [
    {
      title: '工单 Work order',
      table: {
        columns: ['', ''],
        rows: [
          ['编号 Number', cell(order['number'])],
          ['站点 Site', `${cell(order['siteId'])} ${cell(order['building'])} ${cell(order['unit'])}`],
          ['描述 Description', cell(order['description'])],
          ['状态 Status', cell(order['status'])],
          ['报修人 Reporter', `${cell(reporter['name'])} ${cell(reporter['phone'])}`],
          ['SLA', cell(order['sla'])],
          ['评价 Rating', closure ? `${cell(closure['rating'])} ${cell(closure['comment'])}` : '—'],
          ['联系人 Contacts', cell(order['contacts'])],
        ],
      },
    },
    {
      title: '升级与通知 Escalations and pages',
      table: {
        columns: ['时间 At', '类型 Type', '级别 Level', '人员 Staff', '渠道 Channel', '结果 Outcome'],
        rows: record.escalations.map((e) => [
          cell(e['at']),
          cell(e['type']),
          cell(e['level']),
          cell(e['staffId']),
          cell(e['channel']),
          cell(e['outcome']),
        ]),
      },
    },
    {
      title: '时间线与哈希链 Timeline and hash chain',
      table: {
        columns: ['时间 At', '事件 Event', '操作人 Actor', '哈希 Hash'],
        rows: record.events.map((e) => [e.occurredAt, e.type, cell(e.actor), cell(e.hash)]),
      },
    },
    {
      title: '签名 Signature',
      paragraphs: [
        `Ed25519, key ${record.signature?.kid ?? '—'} (/.well-known/closeloop-signing-key)`,
        record.signature?.value ?? '—',
        '签名覆盖 JSON 记录（RFC 8785 规范化）；以 JSON 格式核验。The signature covers the JSON record (RFC 8785); verify that form: npm run -s admin -- audit check-record <file>.',
      ],
    },
  ];
  return {
    title: `工单记录 Work order record ${cell(order['number'])}`,
    subtitle: `Issued ${record.issuedAt}`,
    sections,
  };
};
