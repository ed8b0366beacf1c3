import { Inject, Injectable } from '@nestjs/common';
import { CloudEvent } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

export interface WebhookSubscription {
  readonly subscriptionId: string;
  readonly integratorId: string;
  readonly sites: string[];
  readonly eventTypes: string[];
  readonly url: string;
  readonly createdAt: Date;
}

export interface NewWebhookSubscription extends Omit<WebhookSubscription, 'createdAt'> {
  readonly createdByKey: string;
  /** "whsec_" + base64: the signing key itself (docs/adr/0030 says why it is kept as it is). */
  readonly secret: string;
}

interface Row {
  subscription_id: string;
  integrator_id: string;
  sites: string[];
  event_types: string[];
  url: string;
  created_at: Date;
}

const COLUMNS = 'subscription_id, integrator_id, sites, event_types, url, created_at';
const toSubscription = (r: Row): WebhookSubscription => ({
  subscriptionId: r.subscription_id,
  integratorId: r.integrator_id,
  sites: r.sites,
  eventTypes: r.event_types,
  url: r.url,
  createdAt: r.created_at,
});

/**
 * Integrators' webhook subscriptions (notification_webhook_subscriptions, migration 0036). Every read for an
 * integrator names it: another integrator's subscription is not found, whatever its id.
 */
@Injectable()
export class WebhookSubscriptionsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async create(subscription: NewWebhookSubscription): Promise<WebhookSubscription> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO notification_webhook_subscriptions (subscription_id, integrator_id, created_by_key, sites, event_types, url, secret)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [
        subscription.subscriptionId,
        subscription.integratorId,
        subscription.createdByKey,
        subscription.sites,
        subscription.eventTypes,
        subscription.url,
        subscription.secret,
      ],
    );
    return toSubscription(rows[0] as Row);
  }

  async listOf(integratorId: string): Promise<WebhookSubscription[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM notification_webhook_subscriptions WHERE integrator_id = $1 ORDER BY created_at, subscription_id`,
      [integratorId],
    );
    return rows.map(toSubscription);
  }

  async find(integratorId: string, subscriptionId: string): Promise<WebhookSubscription | undefined> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM notification_webhook_subscriptions WHERE integrator_id = $1 AND subscription_id = $2`,
      [integratorId, subscriptionId],
    );
    return rows[0] && toSubscription(rows[0]);
  }

  /** Deletes the subscription and its delivery log (pending deliveries with it); false when there was none. */
  async delete(integratorId: string, subscriptionId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM notification_webhook_subscriptions WHERE integrator_id = $1 AND subscription_id = $2',
      [integratorId, subscriptionId],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The subscriptions that ask for this site (or every site) and type (or every type). */
  async matching(siteId: string, eventType: string): Promise<WebhookSubscription[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM notification_webhook_subscriptions
       WHERE sites && ARRAY[$1, '*']::text[] AND event_types && ARRAY[$2, '*']::text[]`,
      [siteId, eventType],
    );
    return rows.map(toSubscription);
  }

  /** Queues the event for each subscription, once: a redelivered event queues nothing again. */
  async queue(subscriptionIds: readonly string[], event: CloudEvent): Promise<void> {
    if (subscriptionIds.length === 0) return;
    await this.pool.query(
      `INSERT INTO notification_webhook_deliveries (subscription_id, event_id, event_type, work_order_id, position, payload)
       SELECT s, $2, $3, $4, $5, $6 FROM unnest($1::uuid[]) AS s
       ON CONFLICT (subscription_id, event_id) DO NOTHING`,
      [subscriptionIds, event.id, event.type, event.workorderid ?? null, event.sequence ?? '0', JSON.stringify(event)],
    );
  }
}
