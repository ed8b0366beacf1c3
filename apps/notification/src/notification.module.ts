import { Module } from '@nestjs/common';
import { InfrastructureModule, systemClock } from '@closeloop/runtime';
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
import { CHANNEL_SENDERS, NOTIFICATION_CONFIG, NotificationConfig, OUTBOUND_ADDRESSES } from './notification.config';
import { ContactsRepository } from './on-call/contacts.repository';
import { OnCallHttpController } from './on-call/on-call.http.controller';
import { OnCallRepository } from './on-call/on-call.repository';

export const notificationModule = (config: NotificationConfig) => {
  @Module({
    imports: [InfrastructureModule.forRoot({ service: 'notification', config, relay: true })],
    controllers: [AlertTriggersKafkaController, AlertsHttpController, AlertDigestsHttpController, OnCallHttpController],
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
    ],
  })
  class NotificationModule {}
  return NotificationModule;
};
