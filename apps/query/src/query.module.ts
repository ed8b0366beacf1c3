import { Module } from '@nestjs/common';
import { BaseServiceConfig } from '@closeloop/config';
import { InfrastructureModule } from '@closeloop/runtime';
import { InquiriesRepository } from './inquiries/inquiries.repository';
import { InquiryProjectionKafkaController } from './inquiries/inquiry-projection.kafka.controller';
import { WorkOrderProjectionKafkaController } from './projection/work-order-projection.kafka.controller';
import { ReportNotesRepository } from './reports/report-notes.repository';
import { ReportOrdersRepository } from './reports/report-orders.repository';
import { ReportsHttpController } from './reports/reports.http.controller';
import { SlaHttpController } from './sla/sla.http.controller';
import { OrderChangeFeed } from './stream/order-change-feed';
import { OrderChangesRepository } from './stream/order-changes.repository';
import { StreamHttpController } from './stream/stream.http.controller';
import { WorkOrderViewsRepository } from './work-orders/work-order-views.repository';
import { WorkOrdersHttpController } from './work-orders/work-orders.http.controller';

export const queryModule = (config: BaseServiceConfig) => {
  @Module({
    imports: [InfrastructureModule.forRoot({ service: 'query', config, relay: false })],
    controllers: [
      WorkOrdersHttpController,
      SlaHttpController,
      StreamHttpController,
      ReportsHttpController,
      WorkOrderProjectionKafkaController,
      InquiryProjectionKafkaController,
    ],
    providers: [
      WorkOrderViewsRepository,
      ReportOrdersRepository,
      ReportNotesRepository,
      OrderChangesRepository,
      OrderChangeFeed,
      InquiriesRepository,
    ],
  })
  class QueryModule {}
  return QueryModule;
};
