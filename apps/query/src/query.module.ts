import { loadRecordSigningKey, ResidentKeys } from '@closeloop/auth';
import { linkDigestBackfill, residentLinkDoor, serviceModule } from '@closeloop/runtime';
import { SigningKeyHttpController } from './records/signing-key.http.controller';
import { WorkOrderRecordHttpController } from './records/work-order-record.http.controller';
import { InquiriesRepository } from './inquiries/inquiries.repository';
import { InquiryProjectionKafkaController } from './inquiries/inquiry-projection.kafka.controller';
import { CallersHttpController } from './callers/callers.http.controller';
import { CallersRepository } from './callers/callers.repository';
import { WorkOrderProjectionKafkaController } from './projection/work-order-projection.kafka.controller';
import { QUERY_CONFIG, QueryConfig, RECORD_SIGNING_KEY, RESIDENT_KEYS } from './query.config';
import { ReportNotesRepository } from './reports/report-notes.repository';
import { ReportOrdersRepository } from './reports/report-orders.repository';
import { ReportsHttpController } from './reports/reports.http.controller';
import { ResidentOrdersHttpController } from './resident/resident-orders.http.controller';
import { ResidentOrdersRepository } from './resident/resident-orders.repository';
import { SlaHttpController } from './sla/sla.http.controller';
import { OrderChangeFeed } from './stream/order-change-feed';
import { OrderChangesRepository } from './stream/order-changes.repository';
import { StreamHttpController } from './stream/stream.http.controller';
import { WorkOrderViewsRepository } from './work-orders/work-order-views.repository';
import { WorkOrdersHttpController } from './work-orders/work-orders.http.controller';

export const queryModule = (config: QueryConfig) =>
  serviceModule(
    { service: 'query', config, relay: false },
    {
      controllers: [
        WorkOrdersHttpController,
        SlaHttpController,
        StreamHttpController,
        ReportsHttpController,
        ResidentOrdersHttpController,
        CallersHttpController,
        WorkOrderProjectionKafkaController,
        WorkOrderRecordHttpController,
        SigningKeyHttpController,
        InquiryProjectionKafkaController,
      ],
      providers: [
        { provide: QUERY_CONFIG, useValue: config },
        { provide: RESIDENT_KEYS, useValue: new ResidentKeys(config.RESIDENT_SECRET) },
        residentLinkDoor('resident-query', config.RESIDENT_RATE_LIMIT_PER_MINUTE),
        CallersRepository,
        {
          provide: RECORD_SIGNING_KEY,
          useFactory: () => loadRecordSigningKey(config.RECORD_SIGNING_KEY_FILE, config.RECORD_SIGNING_KEY_CREATE),
        },
        WorkOrderViewsRepository,
        ReportOrdersRepository,
        ReportNotesRepository,
        OrderChangesRepository,
        OrderChangeFeed,
        InquiriesRepository,
        ResidentOrdersRepository,
        linkDigestBackfill(ResidentOrdersRepository, RESIDENT_KEYS),
      ],
    },
  );
