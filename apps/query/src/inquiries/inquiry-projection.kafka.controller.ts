import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { InquiryEventTypes, parseInquiryEvent, ValidationError } from '@closeloop/contracts';
import { InboundCloudEvent } from '@closeloop/messaging';
import { InquiriesRepository } from './inquiries.repository';

/** Keeps query_inquiries from the inquiry events intake publishes, for the deflection figures. */
@Controller()
export class InquiryProjectionKafkaController {
  constructor(private readonly inquiries: InquiriesRepository) {}

  @EventPattern(Object.values(InquiryEventTypes))
  async onInquiryEvent({ event }: InboundCloudEvent): Promise<void> {
    const parsed = parseInquiryEvent(event.type, event.data);
    // A malformed event will never apply: dead-lettered with the reason, the partition moves on.
    if (!parsed.ok)
      throw new ValidationError(`Inquiry event ${event.id} is not valid`, [{ path: 'data', message: parsed.reason }]);
    await this.inquiries.apply(parsed.event);
  }
}
