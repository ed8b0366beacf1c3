/**
 * Who owns what (docs/adr/0019-each-service-owns-its-streams-and-tables.md): the one place that says which service
 * appends to which stream category and which tables it keeps. A service learns about another service's world from
 * workorders.events, into a projection of its own, and asks another service to act by a command over Kafka; it
 * never reads another service's streams or tables. `tools/ownership.unit.spec.ts` holds every service's source to
 * this map.
 */

export const SERVICES = ['intake', 'dispatch', 'sla-timer', 'notification', 'query', 'console'] as const;
export type Service = (typeof SERVICES)[number];

export interface StreamCategory {
  /** The stream id's prefix: `<prefix>-<id>`. */
  readonly prefix: string;
  /** The helper in the domain library that names one of these streams. */
  readonly helper: string;
  /** The services that append to (and so may read) streams of this category. */
  readonly owners: readonly Service[];
  /** The library every append goes through, where there is one; only the owners may import it. */
  readonly commandPath?: string;
  readonly why: string;
}

export const STREAM_CATEGORIES: readonly StreamCategory[] = [
  {
    prefix: 'workorder',
    helper: 'workOrderStream',
    owners: ['intake', 'dispatch'],
    commandPath: '@closeloop/work-order-application',
    why:
      'the work-order write side, one command path served by two processes: intake opens orders and answers residents ' +
      '(feedback) synchronously, dispatch takes staff actions, routing and the commands sla-timer sends on ' +
      'workorders.commands. The one shared writer; the way out is intake sending commands too.',
  },
  { prefix: 'sla', helper: 'slaStream', owners: ['sla-timer'], why: "the order's SLA clocks" },
  { prefix: 'alert', helper: 'alertStream', owners: ['notification'], why: 'alerts, one stream each' },
  {
    prefix: 'audit-anchor',
    helper: 'auditAnchorStream',
    owners: ['dispatch'],
    why:
      "the daily Merkle root over every stream's head (docs/adr/0033-tamper-evident-event-chain.md), one stream per " +
      'UTC day, written by the anchor worker (or the admin tool); about the store, not an order, so never published',
  },
  {
    prefix: 'inquiry',
    helper: 'inquiryStream',
    owners: ['intake'],
    why: "residents' questions, answered from the knowledge base or turned into orders (ADR 0029)",
  },
  {
    prefix: 'resident-notice',
    helper: 'residentNoticeStream',
    owners: ['notification'],
    why: "what the reporter of each order was told of its steps, one stream per order (ADR 27); the order's own stream is intake's and dispatch's",
  },
  {
    prefix: 'priority-resident',
    helper: 'priorityResidentStream',
    owners: ['intake'],
    why: 'the priority registry, one stream per registration (ADR 28); query learns of it from workorders.events',
  },
];

/**
 * Each service's own tables, prefixed by its name. query appends to no stream; its tables are read models. The
 * console appends to no stream either.
 */
export const SERVICE_TABLES: Readonly<Record<Service, readonly string[]>> = {
  intake: [
    'intake_number_sequences',
    'intake_report_keys',
    'intake_reports',
    'intake_knowledge_base_answers',
    'intake_knowledge_base_changes',
    'intake_priority_residents',
  ],
  dispatch: [],
  'sla-timer': ['sla_timer_timers', 'sla_timer_policy_applied', 'sla_timer_order_lifecycle'],
  notification: [
    'notification_order_facts',
    'notification_alerts',
    'notification_alert_deliveries',
    'notification_alert_ack_links_used',
    'notification_alert_contacts',
    'notification_alert_site_fallbacks',
    'notification_alert_storm_members',
    'notification_alert_storm_batches',
    'notification_alert_digests',
    'notification_alert_digest_items',
    'notification_alert_digest_links_used',
    'notification_oncall_rotations',
    'notification_oncall_overrides',
    'notification_webhook_subscriptions',
    'notification_webhook_deliveries',
    'notification_resident_notices',
    'notification_resident_opt_outs',
  ],
  query: [
    'query_work_orders',
    'query_timeline',
    'query_report_orders',
    'query_report_facts',
    'query_report_notes',
    'query_order_changes',
    'query_inquiries',
    'query_priority_residents',
  ],
  // The local stack's one-time sign-in codes; the console keeps no other state.
  console: ['console_sign_in_codes'],
};

/**
 * Tables of the shared infrastructure, each kept by one library and named by no service's own code: rows of a
 * table several services use are keyed by the relay, consumer group or caller they belong to.
 */
export const INFRASTRUCTURE_TABLES: Readonly<
  Record<string, { readonly library: string; readonly tables: readonly string[] }>
> = {
  'event store': {
    library: '@closeloop/event-store (the EventStore port)',
    tables: ['es_streams', 'es_events', 'es_checkpoints'],
  },
  relay: { library: '@closeloop/messaging (keyed by relay name)', tables: ['relay_parked_events'] },
  consumers: { library: '@closeloop/messaging (keyed by consumer group)', tables: ['consumer_parked_messages'] },
  migrations: { library: '@closeloop/database', tables: ['schema_migrations'] },
  access: {
    library:
      '@closeloop/auth (integrator keys) and @closeloop/runtime (rate limits, keyed by caller): every service checks them',
    tables: ['access_integrators', 'access_integrator_keys', 'access_rate_limits'],
  },
};

/** The owner of a table: a service, or `infrastructure`; undefined for a name the map does not know. */
export const ownerOfTable = (table: string): Service | 'infrastructure' | undefined => {
  const service = SERVICES.find((s) => SERVICE_TABLES[s].includes(table));
  if (service) return service;
  return Object.values(INFRASTRUCTURE_TABLES).some((i) => i.tables.includes(table)) ? 'infrastructure' : undefined;
};

export const allTables = (): string[] => [
  ...SERVICES.flatMap((s) => SERVICE_TABLES[s]),
  ...Object.values(INFRASTRUCTURE_TABLES).flatMap((i) => i.tables),
];
