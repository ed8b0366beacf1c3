-- Integrators' webhook subscriptions (docs/adr/0030-integrators-follow-their-orders.md): an integrator asks for the
-- work-order events of some of its sites and types to be POSTed to a URL, signed with Standard Webhooks. The
-- secret is kept as given out ("whsec_" + base64): HMAC signing needs the key itself, and the ADR says why it is
-- not encrypted under a second key held by the same process. Deleting a subscription deletes its delivery log.
CREATE TABLE notification_webhook_subscriptions (
  subscription_id uuid PRIMARY KEY,
  integrator_id   text NOT NULL,
  -- The key that made it, for the audit trail; the subscription belongs to the integrator and outlives a rotation.
  created_by_key  text NOT NULL,
  sites           text[] NOT NULL CHECK (cardinality(sites) > 0),
  event_types     text[] NOT NULL CHECK (cardinality(event_types) > 0),
  url             text NOT NULL,
  secret          text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_webhook_subscriptions_by_integrator
  ON notification_webhook_subscriptions (integrator_id, created_at);
-- Matching an event to subscriptions: by site (or '*').
CREATE INDEX notification_webhook_subscriptions_by_site ON notification_webhook_subscriptions USING gin (sites);

-- One row per event per subscription: the CloudEvent as sent, and the delivery's working state (leases, attempts,
-- next attempt), claimed with FOR UPDATE SKIP LOCKED as alert deliveries are. status: pending (not yet tried, or
-- waiting for a retry), delivered, dead (retries ran out, or the receiver refused it for good).
CREATE TABLE notification_webhook_deliveries (
  subscription_id uuid NOT NULL REFERENCES notification_webhook_subscriptions ON DELETE CASCADE,
  event_id        uuid NOT NULL,
  event_type      text NOT NULL,
  work_order_id   uuid,
  -- The event's place in the store's log (its CloudEvent `sequence`): the delivery log lists in this order.
  position        bigint NOT NULL,
  payload         jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  last_status     integer,
  last_error      text,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claimed_until   timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  PRIMARY KEY (subscription_id, event_id)
);
CREATE INDEX notification_webhook_deliveries_due
  ON notification_webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_webhook_deliveries_log
  ON notification_webhook_deliveries (subscription_id, position DESC);
