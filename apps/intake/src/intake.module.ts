import { loadJsonFile } from '@closeloop/config';
import { linkDigestBackfill, PG_POOL, residentLinkDoor, serviceModule } from '@closeloop/runtime';
import { TopicBaseNames, topicName } from '@closeloop/contracts';
import { relayNameOf, RelayStateRepository } from '@closeloop/messaging';
import { Pool } from 'pg';
import { PriorityLaneSettingsSchema, TriageRulesSchema } from '@closeloop/work-order-domain';
import { ResidentKeys } from '@closeloop/auth';
import { EVENT_STORE, EventStore } from '@closeloop/event-store';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import { InquiriesHandler } from './inquiries/inquiries.handler';
import { InquiriesHttpController } from './inquiries/inquiries.http.controller';
import { KnowledgeBaseFileSchema } from './inquiries/knowledge-base';
import { KnowledgeBaseHttpController } from './inquiries/knowledge-base.http.controller';
import { KnowledgeBaseRepository } from './inquiries/knowledge-base.repository';
import { KNOWLEDGE_BASE_SEED, KnowledgeBase } from './inquiries/knowledge-base.service';
import { FeedHttpController } from './feed/feed.http.controller';
import { FeedOrderSitesRepository } from './feed/feed-order-sites.repository';
import { FeedReader } from './feed/feed-reader';
import { FeedTail } from './feed/feed-tail';
import {
  INTAKE_CONFIG,
  IntakeConfig,
  RELAY_STATE,
  PRIORITY_LANE,
  RESIDENT_KEYS,
  TRIAGE_RULES,
  WORK_ORDER_COMMANDS,
} from './intake.config';
import { PriorityRegistryHandler } from './priority-registry/priority-registry.handler';
import { PriorityResidentsRepository } from './priority-registry/priority-residents.repository';
import { PriorityResidentsHttpController } from './priority-registry/priority-residents.http.controller';
import { RegistrationExpiryWorker } from './priority-registry/registration-expiry.worker';
import { ParkedEventsHttpController } from './parked-events/parked-events.http.controller';
import { ResidentFeedbackHandler } from './resident-feedback/resident-feedback.handler';
import { ResidentFeedbackHttpController } from './resident-feedback/resident-feedback.http.controller';
import { WorkOrderLookup } from './resident-feedback/work-order-lookup';
import { WorkOrderNumbersRepository } from './resident-feedback/work-order-numbers.repository';
import { ResidentLinkActionsHttpController } from './resident-link/resident-link-actions.http.controller';
import { ResidentLinkOrdersRepository } from './resident-link/resident-link-orders.repository';
import { ResidentLinks } from './resident-link/resident-links';
import { KafkaIntakeCallers } from './submit-report/intake-callers';
import { IntakeRequestsHandler } from './submit-report/intake-requests.handler';
import { CloudEventsHttpController } from './submit-report/cloud-events.http.controller';
import { IntakeEventsKafkaController } from './submit-report/intake-events.kafka.controller';
import { DuplicateFinder } from './submit-report/duplicate-finder';
import { IntakeReportsRepository } from './submit-report/intake-reports.repository';
import { NumberBlocks } from './submit-report/number-blocks';
import { NumberSequencesRepository } from './submit-report/number-sequences.repository';
import { ReportKeyDecisionsRepository } from './submit-report/report-key-decisions.repository';
import { ReportsHttpController } from './submit-report/reports.http.controller';
import { SiteCalendar } from './site-calendar';
import { SubmitReportHandler } from './submit-report/submit-report.handler';

export const intakeModule = (config: IntakeConfig) =>
  serviceModule(
    { service: 'intake', config, relay: true },
    {
      controllers: [
        ReportsHttpController,
        CloudEventsHttpController,
        ResidentFeedbackHttpController,
        ResidentLinkActionsHttpController,
        ParkedEventsHttpController,
        PriorityResidentsHttpController,
        IntakeEventsKafkaController,
        InquiriesHttpController,
        KnowledgeBaseHttpController,
        FeedHttpController,
      ],
      providers: [
        { provide: INTAKE_CONFIG, useValue: config },
        SiteCalendar,
        {
          provide: TRIAGE_RULES,
          useValue: loadJsonFile('TRIAGE_RULES_FILE', config.TRIAGE_RULES_FILE, TriageRulesSchema),
        },
        {
          provide: PRIORITY_LANE,
          useValue: loadJsonFile('PRIORITY_LANE_FILE', config.PRIORITY_LANE_FILE, PriorityLaneSettingsSchema),
        },
        {
          provide: WORK_ORDER_COMMANDS,
          useFactory: (store: EventStore) => new WorkOrderCommands(store),
          inject: [EVENT_STORE],
        },
        {
          provide: RELAY_STATE,
          useFactory: (pool: Pool) =>
            new RelayStateRepository(pool, relayNameOf(topicName(TopicBaseNames.events, config.KAFKA_TOPIC_PREFIX))),
          inject: [PG_POOL],
        },
        { provide: RESIDENT_KEYS, useValue: new ResidentKeys(config.RESIDENT_SECRET) },
        residentLinkDoor('resident-intake', config.RESIDENT_RATE_LIMIT_PER_MINUTE),
        ResidentLinks,
        ResidentLinkOrdersRepository,
        linkDigestBackfill(ResidentLinkOrdersRepository, RESIDENT_KEYS),
        NumberSequencesRepository,
        NumberBlocks,
        IntakeReportsRepository,
        DuplicateFinder,
        ReportKeyDecisionsRepository,
        SubmitReportHandler,
        WorkOrderNumbersRepository,
        WorkOrderLookup,
        ResidentFeedbackHandler,
        IntakeRequestsHandler,
        KafkaIntakeCallers,
        {
          provide: KNOWLEDGE_BASE_SEED,
          useValue: loadJsonFile('KNOWLEDGE_BASE_FILE', config.KNOWLEDGE_BASE_FILE, KnowledgeBaseFileSchema),
        },
        KnowledgeBaseRepository,
        KnowledgeBase,
        InquiriesHandler,
        FeedOrderSitesRepository,
        FeedTail,
        FeedReader,
        PriorityResidentsRepository,
        PriorityRegistryHandler,
        RegistrationExpiryWorker,
      ],
    },
  );
