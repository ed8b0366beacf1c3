-- Residents quote their order's number; intake finds the order by it.
CREATE UNIQUE INDEX es_events_work_order_number ON es_events ((data->>'number'))
  WHERE event_type = 'closeloop.workorder.reported.v1';

-- The closed loop on the read side.
ALTER TABLE q_work_orders
  ADD COLUMN technician_id      text,
  ADD COLUMN technician_name    text,
  ADD COLUMN owner_since        timestamptz,
  ADD COLUMN acknowledged_at    timestamptz,
  ADD COLUMN started_at         timestamptz,
  ADD COLUMN on_hold_reason     text,
  ADD COLUMN held_seconds       integer NOT NULL DEFAULT 0,
  ADD COLUMN resolved_at        timestamptz,
  ADD COLUMN resolution_notes   text,
  ADD COLUMN closed_at          timestamptz,
  ADD COLUMN close_outcome      text,
  ADD COLUMN rating             smallint,
  ADD COLUMN rating_comment     text,
  ADD COLUMN cancelled_reason   text,
  ADD COLUMN reopen_count       integer NOT NULL DEFAULT 0,
  ADD COLUMN contact_count      integer NOT NULL DEFAULT 1;

CREATE INDEX q_work_orders_owner ON q_work_orders (owner_id, status);
CREATE INDEX q_work_orders_site_closed ON q_work_orders (site_id, closed_at);
