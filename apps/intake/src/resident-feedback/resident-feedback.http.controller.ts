import { randomUUID } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  IntakeEventTypes,
  FollowUpContactSchema,
  ResolutionConfirmedSchema,
  ResolutionRejectedSchema,
  UnsupportedMediaTypeError,
  ValidationError,
} from '@closeloop/contracts';
import { Access, actorOf, correlationIdOf, idempotencyKeyOf, principalOf } from '@closeloop/http';
import { authorizeIntakeType } from '../submit-report/intake-callers';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { issuesOf } from '../submit-report/report-input';
import { FeedbackContext, ResidentFeedback, ResidentFeedbackHandler } from './resident-feedback.handler';
import { WorkOrderLookup } from './work-order-lookup';

/**
 * The resident's side over HTTP, for front desks and apps that relay what the resident said. The order is named
 * by id or by its number; an order of a site the caller does not serve answers 404.
 */
@Controller('v1/work-orders/:reference')
@Access({ integrator: true, staff: ['dispatcher', 'admin'] })
export class ResidentFeedbackHttpController {
  constructor(
    private readonly feedback: ResidentFeedbackHandler,
    private readonly lookup: WorkOrderLookup,
  ) {}

  @Post('follow-ups')
  @HttpCode(202)
  followUp(
    @Param('reference') reference: string,
    @Body() body: unknown,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Headers('idempotency-key') key?: string,
  ) {
    const parsed = parse(FollowUpContactSchema, request, body);
    return this.run(
      { kind: 'follow-up', ...parsed },
      IntakeEventTypes.FollowUpContact,
      reference,
      request,
      response,
      key,
    );
  }

  @Post('confirmation')
  @HttpCode(202)
  confirm(
    @Param('reference') reference: string,
    @Body() body: unknown,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Headers('idempotency-key') key?: string,
  ) {
    const parsed = parse(ResolutionConfirmedSchema, request, body);
    return this.run(
      { kind: 'confirmation', ...parsed },
      IntakeEventTypes.ResolutionConfirmed,
      reference,
      request,
      response,
      key,
    );
  }

  @Post('rejection')
  @HttpCode(202)
  reject(
    @Param('reference') reference: string,
    @Body() body: unknown,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Headers('idempotency-key') key?: string,
  ) {
    const parsed = parse(ResolutionRejectedSchema, request, body);
    return this.run(
      { kind: 'rejection', ...parsed },
      IntakeEventTypes.ResolutionRejected,
      reference,
      request,
      response,
      key,
    );
  }

  private async run(
    feedback: ResidentFeedback,
    eventType: (typeof IntakeEventTypes)[keyof typeof IntakeEventTypes],
    reference: string,
    request: Request,
    response: Response,
    idempotencyKey: string | undefined,
  ) {
    idempotencyKeyOf(idempotencyKey);
    const caller = principalOf(request);
    authorizeIntakeType(caller, eventType);
    const relay = actorOf(caller);
    const context: FeedbackContext = {
      reference: this.lookup.fromPath(reference),
      // The resident speaks; who relayed it is part of the actor's name.
      actor: { kind: 'resident', id: `via:${relay.kind}:${relay.id}` },
      correlationId: correlationIdOf(request),
      causationId: `request:${randomUUID()}`,
      idempotencyKey: idempotencyKey === undefined ? undefined : `http:${relay.kind}:${relay.id}:${idempotencyKey}`,
      caller,
    };
    const outcome = await this.feedback.handle(feedback, context);
    if (outcome.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return {
      workOrderId: outcome.workOrderId,
      status: outcome.state.status,
      events: outcome.events.map((e) => e.type),
    };
  }
}

const parse = <S extends z.ZodTypeAny>(schema: S, request: Request, body: unknown): z.infer<S> => {
  if (!request.is('application/json'))
    throw new UnsupportedMediaTypeError(request.header('content-type'), ['application/json']);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError('The request is not valid', issuesOf(parsed.error));
  return parsed.data;
};
