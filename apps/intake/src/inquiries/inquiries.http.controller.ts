import { randomUUID } from 'node:crypto';
import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandOrigin, IntakeEventTypes, NotFoundError, UnsupportedMediaTypeError } from '@closeloop/contracts';
import { Access, actorOf, correlationIdOf, coversSite, principalOf } from '@closeloop/http';
import type { Request, Response } from 'express';
import { acceptedBody } from '../submit-report/reports.http.controller';
import { authorizeIntake, authorizeIntakeType, INTAKE_CALLERS } from '../submit-report/intake-callers';
import { InquiriesHandler } from './inquiries.handler';
import { parseInquiry, parseNotHelped } from './inquiry-input';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const requireJson = (request: Request): void => {
  if (!request.is('application/json'))
    throw new UnsupportedMediaTypeError(request.header('content-type'), ['application/json']);
};

/**
 * A resident's question, put by an integrator (app, hotline, mini-program) within its key's scope or by the front
 * desk: answered from the site's knowledge base (200) when the match is confident, else made a work order (202, as a
 * report is). An inquiry may open an order, so an integrator needs the scope it needs to report.
 */
@Controller('v1/inquiries')
@Access(INTAKE_CALLERS)
export class InquiriesHttpController {
  constructor(private readonly inquiries: InquiriesHandler) {}

  @Post()
  @HttpCode(200)
  async ask(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    requireJson(request);
    const input = parseInquiry(request.body);
    const caller = principalOf(request);
    authorizeIntake(caller, input.site, IntakeEventTypes.ReportSubmitted);
    const outcome = await this.inquiries.ask(
      {
        siteId: input.site,
        text: input.text,
        channel: input.channel,
        reporter: input.reporter,
        ...(input.building === undefined ? {} : { building: input.building }),
        ...(input.unit === undefined ? {} : { unit: input.unit }),
      },
      contextOf(request),
    );
    const notHelped = `/v1/inquiries/${outcome.inquiryId}/not-helped`;
    if (outcome.kind === 'answered') {
      const { answer } = outcome;
      return {
        inquiryId: outcome.inquiryId,
        answered: true,
        confidence: outcome.confidence,
        answer: {
          answerId: answer.answerId,
          version: answer.version,
          topic: answer.content.topic,
          zh: answer.content.answer.zh,
          en: answer.content.answer.en,
        },
        links: { notHelped },
      };
    }
    response.status(202);
    return { inquiryId: outcome.inquiryId, answered: false, ...acceptedBody(outcome.order) };
  }

  /** The resident says the answer did not help: the inquiry becomes a work order (202, as a report). */
  @Post(':id/not-helped')
  @HttpCode(202)
  async notHelped(@Param('id') id: string, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    if (request.header('content-type') !== undefined) requireJson(request);
    parseNotHelped(request.body);
    const caller = principalOf(request);
    authorizeIntakeType(caller, IntakeEventTypes.ReportSubmitted);
    // Another site's inquiry, like one that does not exist, is not found: a 403 would say the id is real.
    if (!UUID.test(id)) throw new NotFoundError('Inquiry', id);
    const { order } = await this.inquiries.notHelped(
      id.toLowerCase(),
      (site) => coversSite(caller, site),
      contextOf(request),
    );
    if (order.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return { inquiryId: id.toLowerCase(), ...acceptedBody(order) };
  }
}

const contextOf = (request: Request): CommandOrigin => ({
  actor: actorOf(principalOf(request)),
  correlationId: correlationIdOf(request),
  causationId: `request:${randomUUID()}`,
});
