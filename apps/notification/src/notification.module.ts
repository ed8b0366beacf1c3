import { serviceModule, systemClock } from '@closeloop/runtime';
import { AlertAcknowledgements } from './alerts/alert-acknowledgements';
import { AlertDeliveriesRepository } from './alerts/alert-deliveries.repository';
import { AlertDeliveryWorker } from './alerts/alert-delivery.worker';
import { AlertDigestRepository } from './alerts/alert-digest.repository';
import { AlertDigestWorker } from './alerts/alert-digest.worker';
import { AlertDigestsHttpController } from './alerts/alert-digests.http.controller';
import { AlertGauges } from './alerts/alert-gauges';
import { AlertRaiser } from './alerts/alert-raiser.service';
import { AlertSending } from './alerts/alert-sending';
import { AlertService } from './alerts/alert.service';
import { AlertsHttpController } from './alerts/alerts.http.controller';
import { AlertsRepository } from './alerts/alerts.repository';
import { OrderFactsRepository } from './alerts/order-facts.repository';
import { OrderSnapshots } from './alerts/order-snapshot';
import { AlertTriggersKafkaController } from './alerts/alert-triggers.kafka.controller';
import { createChannelSenders, outboundAddressesOf } from './channels/channel-registry';
import { SubscriptionFanoutKafkaController } from './subscriptions/subscription-fanout.kafka.controller';
import { SubscriptionWebhookSender } from './subscriptions/subscription-webhook.sender';
import { SubscriptionsHttpController } from './subscriptions/subscriptions.http.controller';
import { WebhookDeliveriesRepository } from './subscriptions/webhook-deliveries.repository';
import { WEBHOOK_SENDER, WebhookDeliveryWorker } from './subscriptions/webhook-delivery.worker';
import { WebhookSubscriptionsRepository } from './subscriptions/webhook-subscriptions.repository';
import type { AlertChannel } from '@closeloop/contracts';
import { AlertChannelSender } from './channels/alert-channel.port';
import { CHANNEL_SENDERS, NOTIFICATION_CONFIG, NotificationConfig, OUTBOUND_ADDRESSES } from './notification.config';
import { ContactsRepository } from './on-call/contacts.repository';
import { OnCallHttpController } from './on-call/on-call.http.controller';
import { OnCallRepository } from './on-call/on-call.repository';
import { ResidentNoticeConfigSchema } from '@closeloop/notification-domain';
import { Logger } from '@nestjs/common';
import { ReloadingJsonFile } from '@closeloop/config';
import { ResidentNoticeWorker } from './resident-notices/resident-notice.worker';
import { ResidentNotificationOptOutsHttpController } from './resident-notices/resident-notification-opt-outs.http.controller';
import { ResidentNoticesRepository } from './resident-notices/resident-notices.repository';
import { RESIDENT_NOTICE_RULES, ResidentNotices } from './resident-notices/resident-notices.service';
import { createResidentSenders, RESIDENT_SENDERS } from './resident-notices/resident-senders';

export const notificationModule = (config: NotificationConfig) =>
  serviceModule(
    { service: 'notification', config, relay: true },
    {
      controllers: [
        AlertTriggersKafkaController,
        AlertsHttpController,
        AlertDigestsHttpController,
        OnCallHttpController,
        SubscriptionsHttpController,
        SubscriptionFanoutKafkaController,
        ResidentNotificationOptOutsHttpController,
      ],
      providers: [
        { provide: NOTIFICATION_CONFIG, useValue: config },
        { provide: CHANNEL_SENDERS, useFactory: () => createChannelSenders(config, () => systemClock.now()) },
        { provide: OUTBOUND_ADDRESSES, useValue: outboundAddressesOf(config) },
        AlertService,
        AlertAcknowledgements,
        AlertRaiser,
        OrderFactsRepository,
        OrderSnapshots,
        AlertsRepository,
        AlertSending,
        AlertDeliveriesRepository,
        AlertDeliveryWorker,
        AlertDigestRepository,
        AlertDigestWorker,
        AlertGauges,
        OnCallRepository,
        ContactsRepository,
        {
          provide: WEBHOOK_SENDER,
          useFactory: () =>
            new SubscriptionWebhookSender({
              now: () => systemClock.now(),
              timeoutMs: config.ALERT_DELIVERY_TIMEOUT_MS,
              addresses: outboundAddressesOf(config),
            }),
        },
        WebhookSubscriptionsRepository,
        WebhookDeliveriesRepository,
        WebhookDeliveryWorker,
        // Step notices to residents (ADR 27).
        {
          provide: RESIDENT_NOTICE_RULES,
          useFactory: () =>
            new ReloadingJsonFile(
              'RESIDENT_NOTIFICATIONS_FILE',
              config.RESIDENT_NOTIFICATIONS_FILE,
              ResidentNoticeConfigSchema,
              (problem) => new Logger('resident-notices').error(problem),
            ),
        },
        {
          provide: RESIDENT_SENDERS,
          useFactory: (senders: Map<AlertChannel, AlertChannelSender>) =>
            createResidentSenders(config, senders, () => systemClock.now()),
          inject: [CHANNEL_SENDERS],
        },
        ResidentNoticesRepository,
        ResidentNotices,
        ResidentNoticeWorker,
      ],
    },
  );
