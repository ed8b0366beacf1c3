-- The live board's feed (docs/adr/0024-live-board-from-a-feed-table.md): one row per change the projection made to
-- an order, written in the same transaction as the order's row, read by GET /v1/stream with id > the last id a
-- console saw. Ids of one site are given out in commit order (the projection serialises its appends per site), so
-- a reader that moves past an id never finds a smaller one of the same site committed later. Rows older than a day
-- are pruned; a console that was away longer reloads its list.
CREATE TABLE query_order_changes (
  id             bigserial PRIMARY KEY,
  site_id        text NOT NULL,
  work_order_id  uuid NOT NULL,
  changed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX query_order_changes_by_site ON query_order_changes (site_id, id);
CREATE INDEX query_order_changes_by_time ON query_order_changes (changed_at);

-- How much of each SLA target has elapsed (GET /v1/sla/at-risk): when each target's clock started, and the pauses
-- of the resolution target's current round. Orders projected before these columns take the report as the start and
-- every pause as this round's; a reopened one is exact again after its next event or a rebuild.
ALTER TABLE query_work_orders
  ADD COLUMN response_started_at        timestamptz,
  ADD COLUMN resolution_started_at      timestamptz,
  ADD COLUMN resolution_paused_seconds  integer NOT NULL DEFAULT 0;
UPDATE query_work_orders
   SET response_started_at = reported_at, resolution_started_at = reported_at,
       resolution_paused_seconds = sla_paused_seconds
 WHERE response_due_at IS NOT NULL;
