import { Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ForbiddenError, IllegalTransitionError, NotFoundError, StaffMemberRef } from '@closeloop/contracts';
import {
  Access,
  correlationIdOf,
  ensureSiteVisible,
  hasRole,
  isUuid,
  principalOf,
  staffMemberOf,
} from '@closeloop/http';
import { AlertState, isAddressedTo } from '@closeloop/notification-domain';
import type { Request } from 'express';
import { AckLinkActionRoute, ackLinkDigest, ackLinkPage, AckLinkPageRoute, ackLinkUsedError } from './ack-links';
import { AlertAcknowledgements } from './alert-acknowledgements';
import { AlertDigestRepository, DigestRow } from './alert-digest.repository';
import { dispatcherOf } from './alert-raiser.service';
import { ALERT_ROLES } from './alerts.http.controller';

/**
 * The storm digests (ADR 12): one message per recipient, channel and window during an alert storm at a site. An
 * acknowledgement of the digest, by API or by its one-time link, acknowledges every alert it lists, each with its
 * own AlertAcknowledged on its order's timeline; an alert closed meanwhile is reported as closed, not refused.
 */
@Controller('v1')
@Access({ staff: ALERT_ROLES })
export class AlertDigestsHttpController {
  constructor(
    private readonly acknowledgements: AlertAcknowledgements,
    private readonly digests: AlertDigestRepository,
  ) {}

  @Get('alert-digests/:id')
  async get(@Param('id') id: string, @Req() request: Request) {
    const digest = await this.digest(id);
    ensureSiteVisible(principalOf(request), digest.site_id, 'Alert digest', id);
    const items = await this.digests.items(id);
    const alerts = await Promise.all(
      items.map(async (item) => ({
        alertId: item.alert_id,
        workOrderId: item.work_order_id,
        status: (await this.acknowledgements.stateOf(item.alert_id)).status,
      })),
    );
    return {
      digestId: digest.digest_id,
      siteId: digest.site_id,
      staffId: digest.staff_id,
      channel: digest.channel,
      windowSeconds: digest.window_seconds,
      status: digest.status,
      dueAt: digest.due_at.toISOString(),
      sentAt: digest.sent_at?.toISOString() ?? null,
      attempts: digest.attempts,
      lastError: digest.last_error,
      alerts,
    };
  }

  @Post('alert-digests/:id/ack')
  @HttpCode(200)
  async acknowledge(@Param('id') id: string, @Req() request: Request) {
    const caller = principalOf(request);
    const digest = await this.digest(id);
    ensureSiteVisible(caller, digest.site_id, 'Alert digest', id);
    const by = staffMemberOf(caller);
    // Sent to the person, or to the site's dispatcher queue and the caller dispatches for that site.
    const recipient =
      digest.staff_id === by.staffId ||
      (hasRole(caller, 'dispatcher') && digest.staff_id === dispatcherOf(digest.site_id));
    if (!recipient)
      throw new ForbiddenError(`Alert digest ${id} is not addressed to ${by.staffId}`, 'DIGEST_NOT_ADDRESSED_TO_YOU');
    return this.acknowledgeAll(digest, by, 'api', correlationIdOf(request));
  }

  /** The page a digest's link opens: a button, because mail scanners and chat previews follow links on their own. */
  @Get('alert-digest-links/:token')
  @AckLinkPageRoute()
  async linkPage(@Param('token') token: string) {
    const claims = this.acknowledgements.digestLink(token);
    const digest = await this.digest(claims.digestId);
    const count = (await this.digests.items(digest.digest_id)).length;
    return ackLinkPage(
      'Acknowledge alerts',
      `${count} alerts at site ${digest.site_id}, sent to ${digest.staff_id}.`,
      "I've got them all (全部确认)",
    );
  }

  @Post('alert-digest-links/:token')
  @AckLinkActionRoute()
  async acknowledgeByLink(@Param('token') token: string, @Req() request: Request) {
    const claims = this.acknowledgements.digestLink(token);
    const digest = await this.digest(claims.digestId);
    if (!(await this.digests.useLink(ackLinkDigest(token), digest.digest_id))) {
      throw ackLinkUsedError();
    }
    return this.acknowledgeAll(
      digest,
      { staffId: claims.staffId, name: claims.staffId },
      'link',
      correlationIdOf(request),
    );
  }

  private async acknowledgeAll(digest: DigestRow, by: StaffMemberRef, via: 'api' | 'link', correlationId: string) {
    const results: { alertId: string; workOrderId: string; status: string; replayed: boolean }[] = [];
    // The digest's recipient is a recipient of every alert it lists; the check is the alert's own all the same.
    const addressed = (state: AlertState) => isAddressedTo(state, digest.staff_id);
    for (const item of await this.digests.items(digest.digest_id)) {
      try {
        const { state, events } = await this.acknowledgements.acknowledge(
          item.alert_id,
          by,
          via,
          correlationId,
          addressed,
        );
        results.push({
          alertId: item.alert_id,
          workOrderId: item.work_order_id,
          status: state.status,
          replayed: events.length === 0,
        });
      } catch (error) {
        // Closed (the order resolved) before the acknowledgement: nothing to take on, and no reason to refuse the rest.
        if (!(error instanceof IllegalTransitionError)) throw error;
        results.push({ alertId: item.alert_id, workOrderId: item.work_order_id, status: 'closed', replayed: true });
      }
    }
    return { digestId: digest.digest_id, acknowledgedBy: by, alerts: results };
  }

  private async digest(id: string): Promise<DigestRow> {
    const digest = isUuid(id) ? await this.digests.find(id) : undefined;
    if (!digest) throw new NotFoundError('Alert digest', id);
    return digest;
  }
}
