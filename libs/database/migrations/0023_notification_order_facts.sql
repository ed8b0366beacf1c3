-- What notification knows of each work order, kept by notification itself from workorders.events (ADR 19):
-- what an alert says about its order and when the order's SLA targets are due. It used to read the order's
-- work-order and SLA streams from the event store, which belong to other services.
CREATE TABLE notification_order_facts (
  work_order_id       uuid PRIMARY KEY,
  -- Null until the order's report has arrived (a topic replayed from the middle can show SLA events first).
  number              text,
  site_id             text,
  building            text,
  unit                text,
  category            text,
  tier                text,
  description         text,
  reporter_phone      text,
  owner               jsonb,
  status              text,
  -- The last few events of the order's own stream, {type, at}, oldest first: the alert's "what happened lately".
  recent_events       jsonb NOT NULL DEFAULT '[]',
  sla_status          text NOT NULL DEFAULT 'not-started' CHECK (sla_status IN ('not-started', 'running', 'stopped')),
  -- As sla-timer wrote them (ISO text), so an alert quotes the deadline exactly as the SLA events do.
  response_due_at     text,
  resolution_due_at   text,
  -- Each restart of the resolution clock (a reopen) with its log position: the round an SLA event belongs to.
  resolution_rounds   jsonb NOT NULL DEFAULT '[]',
  -- The log position of the last event applied from each stream: an event at or below it is a redelivery.
  work_order_position numeric(20) NOT NULL DEFAULT 0,
  sla_position        numeric(20) NOT NULL DEFAULT 0,
  updated_at          timestamptz NOT NULL DEFAULT now()
);
