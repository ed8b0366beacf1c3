-- What the SLA endpoints show: when each target was met, and whether the resolution clock is paused.
ALTER TABLE q_work_orders
  ADD COLUMN response_met_at       timestamptz,
  ADD COLUMN resolution_met_at     timestamptz,
  ADD COLUMN sla_paused_since      timestamptz,
  ADD COLUMN sla_paused_seconds    integer NOT NULL DEFAULT 0,
  ADD COLUMN sla_stopped           boolean NOT NULL DEFAULT false;

-- The at-risk list: open orders by their nearest deadline.
CREATE INDEX q_work_orders_open_by_site ON q_work_orders (site_id, status) WHERE status NOT IN ('closed', 'cancelled');
