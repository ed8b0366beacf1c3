import { randomUUID } from 'node:crypto';
import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { RESIDENT_LINK_DAYS_AFTER_END, ResidentLinkNotFoundError } from '@closeloop/contracts';
import { Access, correlationIdOf, idempotencyKeyOf } from '@closeloop/http';
import { Clock, ResidentLinkDoor } from '@closeloop/runtime';
import { WorkOrderState } from '@closeloop/work-order-domain';
import type { Request, Response } from 'express';
import { ResidentFeedback, ResidentFeedbackHandler } from '../resident-feedback/resident-feedback.handler';
import { confirmationOf, noteOf, rejectionOf } from './resident-link-requests';
import { ResidentLinkOrdersRepository } from './resident-link-orders.repository';

const DAY_MILLIS = 24 * 3600 * 1000;

/**
 * The resident's own actions from their status link (docs/adr/0026-resident-status-links.md): confirm and rate,
 * "not fixed", add a note or photo reference. Public: the token in the path is the credential, for one order. The
 * same closed-loop commands as the relayed feedback (ResidentFeedbackHandler), recorded as `resident:via:status-link`.
 * An unknown, malformed or expired link answers one 404; every request counts against its client address's budget.
 */
@Controller('v1/resident/orders/:token')
@Access({ public: true })
export class ResidentLinkActionsHttpController {
  constructor(
    private readonly orders: ResidentLinkOrdersRepository,
    private readonly feedback: ResidentFeedbackHandler,
    private readonly door: ResidentLinkDoor,
    private readonly clock: Clock,
  ) {}

  @Post('confirmation')
  @HttpCode(202)
  confirm(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.act(request, response, confirmationOf);
  }

  @Post('rejection')
  @HttpCode(202)
  reject(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.act(request, response, rejectionOf);
  }

  @Post('notes')
  @HttpCode(202)
  addNote(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.act(request, response, noteOf);
  }

  private async act(request: Request, response: Response, read: (request: Request) => ResidentFeedback) {
    const { token } = request.params as { token: string };
    const digest = await this.door.open(request, token);
    const workOrderId = await this.orders.orderOf(digest);
    if (workOrderId === undefined) throw new ResidentLinkNotFoundError();
    const feedback = read(request);
    const idempotencyKey = idempotencyKeyOf(request.header('idempotency-key'));
    const outcome = await this.feedback.handleByLink(
      feedback,
      workOrderId,
      {
        actor: { kind: 'resident', id: 'via:status-link' },
        correlationId: correlationIdOf(request),
        causationId: `request:${randomUUID()}`,
        idempotencyKey: idempotencyKey === undefined ? undefined : `link:${digest}:${idempotencyKey}`,
      },
      (state) => this.ensureOpens(state),
    );
    if (outcome.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return { number: numberOf(outcome.state), status: outcome.state.status, events: outcome.events.map((e) => e.type) };
  }

  /** A link opens its order until 30 days after it closed; then it answers as an unknown one. */
  private ensureOpens(state: WorkOrderState): void {
    if (state.status !== 'closed') return;
    if (this.clock.now().getTime() - Date.parse(state.closedAt) > RESIDENT_LINK_DAYS_AFTER_END * DAY_MILLIS)
      throw new ResidentLinkNotFoundError();
  }
}

const numberOf = (state: WorkOrderState): string | undefined => (state.status === 'none' ? undefined : state.number);
