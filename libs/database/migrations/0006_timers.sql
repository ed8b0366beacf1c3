-- Durable timers of the sla-timer service. A timer is claimed with a short lease (FOR UPDATE SKIP LOCKED in a
-- short transaction), so several instances share the work without firing one twice and no transaction stays
-- open while it fires (an open transaction would hold back the relay). "Due" is the database's clock.
CREATE TABLE sla_timers (
  timer_id        uuid PRIMARY KEY,
  work_order_id   uuid NOT NULL,
  kind            text NOT NULL,
  round           integer NOT NULL,
  due_at          timestamptz NOT NULL,
  claimed_until   timestamptz,
  fired_at        timestamptz,
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sla_timers_one_per_round UNIQUE (work_order_id, kind, round)
);
CREATE INDEX sla_timers_due ON sla_timers (due_at) WHERE fired_at IS NULL;

ALTER TABLE q_work_orders ADD COLUMN callback_requested_at timestamptz;
