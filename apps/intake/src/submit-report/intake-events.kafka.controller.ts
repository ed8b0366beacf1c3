import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { IntakeEventTypes } from '@closeloop/contracts';
import { InboundCloudEvent } from '@closeloop/messaging';
import { submissionFromCloudEvent } from './cloud-event-submission';
import { SubmitReportHandler } from './submit-report.handler';

/** Integrators that produce to workorders.intake instead of calling HTTP; bad events go to its dead-letter topic. */
@Controller()
export class IntakeEventsKafkaController {
  constructor(private readonly submitReport: SubmitReportHandler) {}

  @EventPattern(IntakeEventTypes.ReportSubmitted)
  async onReportSubmitted(message: InboundCloudEvent): Promise<void> {
    await this.submitReport.handle(submissionFromCloudEvent(message.event));
  }
}
