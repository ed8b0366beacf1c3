import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, StaffMemberRef } from '@closeloop/contracts';
import { AlertState } from '@closeloop/notification-domain';
import { Clock } from '@closeloop/runtime';
import { NOTIFICATION_CONFIG, NotificationConfig } from '../notification.config';
import { AckLinkClaims, DigestLinkClaims, verifyAckLinkToken, verifyDigestLinkToken } from './ack-links';
import { AlertOutcome, AlertService } from './alert.service';

/**
 * What the alert and digest endpoints share: acknowledging an alert now, by the service's clock, and reading the
 * links sent in messages, signed with the service's link secret.
 */
@Injectable()
export class AlertAcknowledgements {
  constructor(
    private readonly alerts: AlertService,
    private readonly clock: Clock,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
  ) {}

  /** The alert's state now: whether it is still open, was acknowledged or was closed. */
  async stateOf(alertId: string): Promise<AlertState> {
    return (await this.alerts.load(alertId)).state;
  }

  /** Acknowledges the alert now as `by`, if `mayAcknowledge` says the alert is theirs to take on. */
  acknowledge(
    alertId: string,
    by: StaffMemberRef,
    via: 'api' | 'link',
    correlationId: string,
    mayAcknowledge: (state: AlertState) => boolean,
  ): Promise<AlertOutcome> {
    return this.alerts.acknowledge(alertId, by, via, this.clock.now(), correlationId, mayAcknowledge);
  }

  /** The claims of an alert's ack link; a forged or expired link is not found, as if it named nothing. */
  ackLink(token: string): AckLinkClaims {
    const claims = verifyAckLinkToken(this.config.ALERT_LINK_SECRET, token, this.clock.now());
    if (!claims) throw new NotFoundError('Ack link', 'this link');
    return claims;
  }

  /** The claims of a digest's link, likewise. */
  digestLink(token: string): DigestLinkClaims {
    const claims = verifyDigestLinkToken(this.config.ALERT_LINK_SECRET, token, this.clock.now());
    if (!claims) throw new NotFoundError('Digest link', 'this link');
    return claims;
  }
}
