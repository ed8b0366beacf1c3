import { randomUUID } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import {
  IllegalTransitionError,
  NotFoundError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '@closeloop/contracts';
import {
  Access,
  correlationIdOf,
  ensureSiteVisible,
  idempotencyKeyOf,
  isUuid,
  principalOf,
  staffMemberOf,
} from '@closeloop/http';
import { Clock } from '@closeloop/runtime';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import type { Request, Response } from 'express';
import { DISPATCH_CONFIG, DispatchConfig, WORK_ORDER_COMMANDS } from '../dispatch.config';
import { actionsFor, isWorkOrderAction, workOrderActions } from './work-order-actions';
import { ensureMayAct } from './who-may-act';

const fieldIssues = (error: { issues: { path: (string | number)[]; message: string }[] }) =>
  error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));

/**
 * Staff move a work order through its lifecycle, as the person their token names. Technicians act on orders that
 * are theirs, or take one nobody owns yet (see who-may-act); an order of a site the caller does not work for
 * answers 404. `If-Match: "<version>"` makes the
 * action apply only to the state the caller saw; without it, a concurrent change is decided on afresh.
 */
@Controller('v1/work-orders')
@Access({ staff: ['dispatcher', 'technician', 'supervisor', 'admin'] })
export class WorkOrderActionsHttpController {
  constructor(
    @Inject(WORK_ORDER_COMMANDS) private readonly commands: WorkOrderCommands,
    private readonly clock: Clock,
    @Inject(DISPATCH_CONFIG) private readonly config: DispatchConfig,
  ) {}

  @Post(':id/:action')
  @HttpCode(200)
  async act(
    @Param('id') id: string,
    @Param('action') actionName: string,
    @Body() body: unknown,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
  ) {
    if (!isWorkOrderAction(actionName)) throw new NotFoundError('Action', actionName);
    if (!isUuid(id)) throw new NotFoundError('Work order', id);
    const hasBody = request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0';
    if (hasBody && !request.is('application/json'))
      throw new UnsupportedMediaTypeError(request.header('content-type'), ['application/json']);
    idempotencyKeyOf(idempotencyKey);
    const expectedVersion = parseIfMatch(ifMatch);
    const caller = principalOf(request);
    const by = staffMemberOf(caller);

    const parsed = workOrderActions[actionName].parse(body ?? {});
    if (!parsed.ok) throw new ValidationError(`The ${actionName} request is not valid`, fieldIssues(parsed.error));

    const correlationId = correlationIdOf(request);
    try {
      const outcome = await this.commands.execute(
        id,
        () => parsed.command({ by, now: this.clock.now(), reopenWindowSeconds: this.config.REOPEN_WINDOW_SECONDS }),
        {
          actor: { kind: 'staff', id: by.staffId },
          correlationId,
          causationId: `request:${randomUUID()}`,
          producer: 'dispatch',
          // A retry key is the caller's own: nobody replays someone else's answer.
          idempotencyKey: idempotencyKey === undefined ? undefined : `${by.staffId}:${idempotencyKey}`,
          request: { action: actionName, body: parsed.body },
          authorize: (state) => {
            if (state.status === 'none') return;
            ensureSiteVisible(caller, state.siteId, 'Work order', id);
            ensureMayAct(caller, actionName, state);
          },
        },
        expectedVersion,
      );
      response.setHeader('ETag', `"${outcome.version}"`);
      if (outcome.replayed) response.setHeader('Idempotent-Replayed', 'true');
      return {
        workOrderId: id,
        status: outcome.state.status,
        version: outcome.version,
        events: outcome.events.map((e) => ({ type: e.type, data: e.data })),
      };
    } catch (error) {
      if (error instanceof IllegalTransitionError) {
        const details = error.details as { currentStatus: string; allowedCommands: string[] };
        throw new IllegalTransitionError(actionName, details.currentStatus, actionsFor(details.allowedCommands));
      }
      throw error;
    }
  }
}

const parseIfMatch = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const match = /^"(\d{1,9})"$/.exec(value.trim());
  if (!match)
    throw new ValidationError('The If-Match header is not valid', [
      { path: 'header:If-Match', message: 'must be a version in quotes, as the ETag gave it, e.g. "4"' },
    ]);
  return Number(match[1]);
};
