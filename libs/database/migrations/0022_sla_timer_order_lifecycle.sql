-- sla-timer's own view of each work order's lifecycle, kept from `workorders.events`, so that it no longer reads the
-- work-order streams (docs/adr/0020-commands-between-services-over-kafka.md). It holds what sla-timer needs:
--   site_id, reported_at       from WorkOrderReported: the clocks start at the report, on the site's calendar;
--   reopen_positions           {"<round>": position}: the log position (CloudEvent `sequence`) of the WorkOrderReopened
--                              that began each round; the round a resolution ends is the highest one reopened before it.
-- Every update is idempotent and commutes (facts set once, one key per round), so a redelivered event,
-- or one replayed from a dead-letter topic after later ones, leaves the same row.
CREATE TABLE sla_timer_order_lifecycle (
  work_order_id     uuid PRIMARY KEY,
  site_id           text,
  reported_at       timestamptz,
  reopen_positions  jsonb NOT NULL DEFAULT '{}',
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Orders already under way when this view appeared: filled once from the event tables, the last time sla-timer's
-- side of the database reads work-order events. Empty with EVENT_STORE=kurrentdb, which sla-timer does not support.
INSERT INTO sla_timer_order_lifecycle (work_order_id, site_id, reported_at, reopen_positions)
SELECT (reported.data->>'workOrderId')::uuid,
       reported.data->>'siteId',
       (reported.data->>'reportedAt')::timestamptz,
       coalesce(
         (SELECT jsonb_object_agg(reopened.data->>'round', reopened.global_position)
          FROM es_events reopened
          WHERE reopened.stream_id = reported.stream_id AND reopened.event_type = 'closeloop.workorder.reopened.v1'),
         '{}')
FROM es_events reported
WHERE reported.event_type = 'closeloop.workorder.reported.v1'
ON CONFLICT (work_order_id) DO NOTHING;
