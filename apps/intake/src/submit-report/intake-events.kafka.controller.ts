import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { IntakeEventTypes } from '@closeloop/contracts';
import { InboundCloudEvent } from '@closeloop/messaging';
import { intakeRequestFromCloudEvent } from './cloud-event-submission';
import { KafkaIntakeCallers } from './intake-callers';
import { IntakeRequestsHandler } from './intake-requests.handler';

/** Integrators that produce to workorders.intake instead of calling HTTP; bad events go to its dead-letter topic. */
@Controller()
export class IntakeEventsKafkaController {
  constructor(
    private readonly requests: IntakeRequestsHandler,
    private readonly callers: KafkaIntakeCallers,
  ) {}

  /** Every type integrators may send takes the one path HTTP's CloudEvents take too; the request names what it is. */
  @EventPattern(Object.values(IntakeEventTypes))
  async onIntakeEvent({ event }: InboundCloudEvent): Promise<void> {
    await this.requests.handle(intakeRequestFromCloudEvent(event), await this.callers.fromSource(event.source));
  }
}
