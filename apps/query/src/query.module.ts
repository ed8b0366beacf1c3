import { Module } from '@nestjs/common';
import { ResidentKeys } from '@closeloop/auth';
import { CallersHttpController } from './callers/callers.http.controller';
import { CallersRepository } from './callers/callers.repository';
import { QUERY_CONFIG, QueryConfig, RESIDENT_KEYS } from './query.config';
import { InfrastructureModule } from '@closeloop/runtime';
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

export const queryModule = (config: QueryConfig) => {
  @Module({
    imports: [InfrastructureModule.forRoot({ service: 'query', config, relay: false })],
    controllers: [
      WorkOrdersHttpController,
      SlaHttpController,
      StreamHttpController,
      ReportsHttpController,
      CallersHttpController,
      WorkOrderProjectionKafkaController,
    ],
    providers: [
      { provide: QUERY_CONFIG, useValue: config },
      { provide: RESIDENT_KEYS, useValue: new ResidentKeys(config.RESIDENT_SECRET) },
      CallersRepository,
      WorkOrderViewsRepository,
      ReportOrdersRepository,
      ReportNotesRepository,
      OrderChangesRepository,
      OrderChangeFeed,
    ],
  })
  class QueryModule {}
  return QueryModule;
};
