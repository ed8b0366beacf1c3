-- The last two reads of the event store's tables by a service's own code end here
-- (docs/adr/0019-each-service-owns-its-streams-and-tables.md).

-- intake's own record of the orders it opened, so that duplicate detection and the lookup by number read a table of intake's instead of the event store's es_events.
-- A row is written before the order's report is appended and names the number the report will carry (a retry of
-- the same order reuses it), so every report in the store has its row, with its number; a row whose append never
-- happened names an order with no stream, which both readers skip. reported_at is the latest attempt's: never
-- earlier than the report's own time, so the duplicate window it prefilters on loses no candidate.
CREATE TABLE intake_reports (
  work_order_id  uuid PRIMARY KEY,
  number         text NOT NULL UNIQUE,
  site_id        text NOT NULL,
  building       text,
  reported_at    timestamptz NOT NULL
);
CREATE INDEX intake_reports_by_place ON intake_reports (site_id, building, reported_at);

-- Orders opened before this table: filled once from the event tables, the last time intake reads es_events. Empty
-- with EVENT_STORE=kurrentdb, which intake did not support before this migration.
INSERT INTO intake_reports (work_order_id, number, site_id, building, reported_at)
SELECT (data->>'workOrderId')::uuid, data->>'number', data->>'siteId', data->>'building', recorded_at
FROM es_events
WHERE event_type = 'closeloop.workorder.reported.v1'
ON CONFLICT DO NOTHING;

-- The indexes that served intake's reads of es_events (0005, 0007); intake_reports' keys take over their work,
-- the unique number included.
DROP INDEX es_events_work_order_number;
DROP INDEX es_events_reports_by_place;

-- sla-timer lists the orders whose deadlines a new policy recomputes from its lifecycle view (migration 0022) instead
-- of es_streams. A clock starts only on an order the view knows, and 0022 filled the view with every order reported
-- before it; a clock stream the view still lacks (started by hand, or imported) gets a row here, without a site,
-- so that no clock that started before this upgrade is missed.
INSERT INTO sla_timer_order_lifecycle (work_order_id)
SELECT substr(stream_id, 5)::uuid
FROM es_streams
WHERE stream_id ~ '^sla-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
ON CONFLICT (work_order_id) DO NOTHING;
