-- SLA outcomes on the supervisors' read side.
ALTER TABLE q_work_orders
  ADD COLUMN response_breached    boolean NOT NULL DEFAULT false,
  ADD COLUMN resolution_breached  boolean NOT NULL DEFAULT false,
  ADD COLUMN escalation_level     integer NOT NULL DEFAULT 0;
