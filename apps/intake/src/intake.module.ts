import { Module } from '@nestjs/common';
import { loadJsonFile } from '@closeloop/config';
import { InfrastructureModule } from '@closeloop/runtime';
import { TriageRulesSchema } from '@closeloop/work-order-domain';
import { INTAKE_CONFIG, IntakeConfig, TRIAGE_RULES } from './intake.config';
import { CloudEventsHttpController } from './submit-report/cloud-events.http.controller';
import { IntakeEventsKafkaController } from './submit-report/intake-events.kafka.controller';
import { NumberAllocator } from './submit-report/number-allocator';
import { ReportsHttpController } from './submit-report/reports.http.controller';
import { SubmitReportHandler } from './submit-report/submit-report.handler';

export const intakeModule = (config: IntakeConfig) => {
  @Module({
    imports: [InfrastructureModule.forRoot({ service: 'intake', config, relay: true })],
    controllers: [ReportsHttpController, CloudEventsHttpController, IntakeEventsKafkaController],
    providers: [
      { provide: INTAKE_CONFIG, useValue: config },
      { provide: TRIAGE_RULES, useValue: loadJsonFile('TRIAGE_RULES_FILE', config.TRIAGE_RULES_FILE, TriageRulesSchema) },
      NumberAllocator,
      SubmitReportHandler,
    ],
  })
  class IntakeModule {}
  return IntakeModule;
};
