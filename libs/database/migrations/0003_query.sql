-- The supervisors' read side, projected from workorders.events. The timeline's unique event id is also the
-- projection's inbox: a redelivered event inserts nothing and so changes nothing. The order row is a fold of
-- its timeline in store order (sequence), so an event delivered late or twice still yields the right row.
CREATE TABLE q_work_orders (
  work_order_id      uuid PRIMARY KEY,
  number             text NOT NULL,
  site_id            text NOT NULL,
  building           text,
  unit               text,
  channel            text NOT NULL,
  category           text,
  description        text NOT NULL,
  reporter_name      text,
  reporter_phone     text,
  tier               text,
  triage_rule_id     text,
  triage_reason      text,
  status             text NOT NULL,
  owner_id           text,
  owner_name         text,
  team_id            text,
  dispatch_queue_id  text,
  reported_at        timestamptz NOT NULL,
  assigned_at        timestamptz,
  response_due_at    timestamptz,
  resolution_due_at  timestamptz,
  updated_at         timestamptz NOT NULL
);
CREATE INDEX q_work_orders_site_status ON q_work_orders (site_id, status, reported_at DESC);

CREATE TABLE q_timeline (
  arrival         bigserial PRIMARY KEY,
  event_id        uuid NOT NULL UNIQUE,
  work_order_id   uuid NOT NULL,
  event_type      text NOT NULL,
  occurred_at     timestamptz NOT NULL,
  source          text NOT NULL,
  actor           text,
  correlation_id  text,
  causation_id    text,
  sequence        bigint,
  data            jsonb NOT NULL
);
CREATE INDEX q_timeline_work_order ON q_timeline (work_order_id, sequence, arrival);

