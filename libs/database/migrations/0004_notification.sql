-- The notification service's inbox: every domain event it has taken, once, by event id.
CREATE TABLE notification_inbox (
  event_id       uuid PRIMARY KEY,
  event_type     text NOT NULL,
  work_order_id  uuid NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now()
);
