import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { IDENTIFIER_PATTERN, NotFoundError, StaffMemberRef, ValidationError } from '@closeloop/contracts';
import {
  Access,
  correlationIdOf,
  ensureSiteVisible,
  hasRole,
  isUuid,
  Principal,
  principalOf,
  staffMemberOf,
  visibleSites,
} from '@closeloop/http';
import { AlertState, isAddressedTo } from '@closeloop/notification-domain';
import type { Request } from 'express';
import { AckLinkActionRoute, ackLinkDigest, ackLinkPage, AckLinkPageRoute, ackLinkUsedError } from './ack-links';
import { AlertAcknowledgements } from './alert-acknowledgements';
import { dispatcherOf } from './alert-raiser.service';
import { AlertRow, AlertsRepository } from './alerts.repository';

const ALERT_STATUSES = ['open', 'acknowledged', 'closed'] as const;

const toView = (row: AlertRow) => ({
  alertId: row.alert_id,
  workOrderId: row.work_order_id,
  kind: row.kind,
  siteId: row.site_id,
  target: row.target,
  level: row.level,
  recipients: row.recipients,
  status: row.status,
  raisedAt: row.raised_at.toISOString(),
  acknowledgedBy: row.acknowledged_by,
  acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
  closedReason: row.closed_reason,
  closedAt: row.closed_at?.toISOString() ?? null,
});

/** Who sees alerts and their digests, and acknowledges those addressed to them. */
export const ALERT_ROLES = ['on-call', 'supervisor', 'dispatcher', 'admin'] as const;

/**
 * On-call staff see the alerts addressed to them and say "I've got it". An acknowledgement stops the sla-timer's
 * chain for the order's target; a second one changes nothing; one after the order was resolved is a 409.
 */
@Controller('v1')
@Access({ staff: ALERT_ROLES })
export class AlertsHttpController {
  constructor(
    private readonly acknowledgements: AlertAcknowledgements,
    private readonly alertRows: AlertsRepository,
  ) {}

  @Get('alerts')
  async list(
    @Req() request: Request,
    @Query('siteId') siteId: string | undefined,
    @Query('status') status: string | undefined,
    @Query('workOrderId') workOrderId: string | undefined,
  ) {
    const sites = visibleSites(principalOf(request));
    if (status !== undefined && !(ALERT_STATUSES as readonly string[]).includes(status)) {
      throw new ValidationError('The status filter is not valid', [
        { path: 'query:status', message: `must be one of ${ALERT_STATUSES.join(', ')}` },
      ]);
    }
    if (siteId !== undefined && (typeof siteId !== 'string' || !IDENTIFIER_PATTERN.test(siteId))) {
      throw new ValidationError('The siteId filter is not valid', [
        { path: 'query:siteId', message: 'must be a site id: 1-32 letters, digits, "-" or "_"' },
      ]);
    }
    if (workOrderId !== undefined && !isUuid(workOrderId))
      throw new ValidationError('The workOrderId filter is not valid', [
        { path: 'query:workOrderId', message: 'must be a UUID' },
      ]);
    const rows = await this.alertRows.list({ siteId, status, workOrderId, sites });
    return { alerts: rows.map(toView) };
  }

  @Get('alerts/:id')
  async get(@Param('id') id: string, @Req() request: Request) {
    const alert = await this.row(id, principalOf(request));
    const deliveries = await this.alertRows.deliveriesOf(id);
    return {
      ...toView(alert),
      deliveries: deliveries.map((d) => ({
        staffId: d.staff_id,
        channel: d.channel,
        status: d.status,
        round: d.round,
        attempts: d.attempts,
        lastError: d.last_error,
        deliveredAt: d.delivered_at?.toISOString() ?? null,
      })),
    };
  }

  @Post('alerts/:id/ack')
  @HttpCode(200)
  async acknowledge(@Param('id') id: string, @Req() request: Request) {
    const caller = principalOf(request);
    const alert = await this.row(id, caller);
    const by = staffMemberOf(caller);
    // Addressed to the person, or to the site's dispatcher queue and the caller dispatches for that site.
    const mayAcknowledge = (state: AlertState) =>
      isAddressedTo(state, by.staffId) ||
      (hasRole(caller, 'dispatcher') && isAddressedTo(state, dispatcherOf(alert.site_id)));
    return this.acknowledgeAs(id, by, 'api', correlationIdOf(request), mayAcknowledge);
  }

  /** The page an ack link opens: a button, because mail scanners and chat previews follow links on their own. */
  @Get('alert-links/:token')
  @AckLinkPageRoute()
  async linkPage(@Param('token') token: string) {
    const claims = this.acknowledgements.ackLink(token);
    const alert = await this.row(claims.alertId);
    return ackLinkPage(
      'Acknowledge alert',
      `${alert.kind} for work order ${alert.work_order_id} at site ${alert.site_id}: ${alert.status}.`,
      "I've got it (确认接单)",
    );
  }

  @Post('alert-links/:token')
  @AckLinkActionRoute()
  async acknowledgeByLink(@Param('token') token: string, @Req() request: Request) {
    const claims = this.acknowledgements.ackLink(token);
    if (!(await this.alertRows.useAckLink(ackLinkDigest(token), claims.alertId))) throw ackLinkUsedError();
    const by = { staffId: claims.staffId, name: claims.staffId };
    return this.acknowledgeAs(claims.alertId, by, 'link', correlationIdOf(request), (state) =>
      isAddressedTo(state, by.staffId),
    );
  }

  private async acknowledgeAs(
    alertId: string,
    by: StaffMemberRef,
    via: 'api' | 'link',
    correlationId: string,
    mayAcknowledge: (state: AlertState) => boolean,
  ) {
    await this.row(alertId);
    const { state, events } = await this.acknowledgements.acknowledge(alertId, by, via, correlationId, mayAcknowledge);
    return {
      alertId,
      status: state.status,
      acknowledgedBy: state.status === 'acknowledged' ? state.acknowledgedBy : null,
      acknowledgedAt: state.status === 'acknowledged' ? state.acknowledgedAt : null,
      replayed: events.length === 0,
    };
  }

  private async row(alertId: string, caller?: Principal): Promise<AlertRow> {
    if (!isUuid(alertId)) throw new NotFoundError('Alert', alertId);
    const row = await this.alertRows.find(alertId);
    if (!row) throw new NotFoundError('Alert', alertId);
    if (caller) ensureSiteVisible(caller, row.site_id, 'Alert', alertId);
    return row;
  }
}
