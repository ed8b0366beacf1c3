-- The escalation level each SLA target has reached in its current round, for the order's SLA view (the query
-- projection folds it; see apps/query/src/projection/work-order-view.ts). escalation_level stays the highest level
-- raised for either target in any round.
ALTER TABLE q_work_orders
  ADD COLUMN response_escalation_level   integer NOT NULL DEFAULT 0,
  ADD COLUMN resolution_escalation_level integer NOT NULL DEFAULT 0;

-- Orders projected before these columns get the levels from their timelines, as the fold would: the highest level
-- of each target, counting for resolution only the levels raised after its clock last restarted (a reopen).
WITH sla_events AS (
  SELECT t.work_order_id, t.event_type, t.data,
         row_number() OVER (PARTITION BY t.work_order_id ORDER BY t.sequence NULLS LAST, t.arrival) AS position
    FROM q_timeline t
   WHERE t.event_type IN ('closeloop.sla.escalated.v1', 'closeloop.sla.clock-restarted.v1')
), last_restarts AS (
  SELECT work_order_id, max(position) AS position
    FROM sla_events
   WHERE event_type = 'closeloop.sla.clock-restarted.v1'
   GROUP BY work_order_id
), levels AS (
  SELECT e.work_order_id,
         COALESCE(max((e.data ->> 'level')::integer) FILTER (WHERE e.data ->> 'target' = 'response'), 0) AS response_level,
         COALESCE(max((e.data ->> 'level')::integer) FILTER (WHERE e.data ->> 'target' = 'resolution' AND e.position > COALESCE(r.position, 0)), 0) AS resolution_level
    FROM sla_events e
    LEFT JOIN last_restarts r ON r.work_order_id = e.work_order_id
   WHERE e.event_type = 'closeloop.sla.escalated.v1'
   GROUP BY e.work_order_id
)
UPDATE q_work_orders w
   SET response_escalation_level = levels.response_level, resolution_escalation_level = levels.resolution_level
  FROM levels
 WHERE levels.work_order_id = w.work_order_id;
