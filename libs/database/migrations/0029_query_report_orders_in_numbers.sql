-- The reports read their rows' instants as numbers (ADR 23, docs/reports.md): a twelve-month report reads about
-- 60,000 rows, and reading each row's facts (JSON with ISO text, about 1.2 kB) and parsing them cost more than
-- computing every figure. Every instant a figure counts gets a column of milliseconds since the epoch (a list of
-- them where a step repeats, with its particulars in lists beside it, in timeline order), and the facts move to a
-- table of their own, read only for the lines a monthly report quotes (names, comments, the instants as the events
-- wrote them): kept in the row, they made it five times as wide, and a report read five times the pages. The rows
-- there are get their columns from their facts here, as the projection computes them
-- (apps/query/src/reports/report-row.ts).
CREATE TABLE query_report_facts (
  work_order_id  uuid PRIMARY KEY,
  site_id        text NOT NULL,
  facts          jsonb NOT NULL
);
INSERT INTO query_report_facts (work_order_id, site_id, facts)
  SELECT work_order_id, site_id, facts FROM query_report_orders;

CREATE FUNCTION pg_temp.ms(instant text) RETURNS bigint LANGUAGE sql IMMUTABLE
  AS $$ SELECT (extract(epoch FROM instant::timestamptz) * 1000)::bigint $$;
-- The instants of a list in the facts, in its order: the elements themselves, or one field of each.
CREATE FUNCTION pg_temp.instants(list jsonb, field text) RETURNS bigint[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT coalesce(array_agg(pg_temp.ms(CASE WHEN field IS NULL THEN e #>> '{}' ELSE e ->> field END) ORDER BY i), '{}')
        FROM jsonb_array_elements(list) WITH ORDINALITY AS t(e, i) $$;

ALTER TABLE query_report_orders
  ADD COLUMN number text,
  ADD COLUMN channel text,
  ADD COLUMN tier text,
  ADD COLUMN team_id text,
  ADD COLUMN technician_id text,
  ADD COLUMN acknowledged_at bigint,
  ADD COLUMN resolved_at bigint[],
  ADD COLUMN reopened_at bigint[],
  ADD COLUMN rejected_at bigint[],
  ADD COLUMN closed_at bigint[],
  -- each close's stars (NULL when none were given) and whether it came with a comment
  ADD COLUMN close_ratings smallint[],
  ADD COLUMN close_commented boolean[],
  ADD COLUMN cancelled_at bigint,
  -- one response verdict; a resolution verdict per reopen round
  ADD COLUMN response_verdict_at bigint,
  ADD COLUMN response_met boolean,
  ADD COLUMN resolution_verdict_at bigint[],
  ADD COLUMN resolution_met boolean[],
  ADD COLUMN escalated_at bigint[],
  ADD COLUMN escalation_levels smallint[],
  ADD COLUMN alert_raised_at bigint[],
  -- NULL for an alert not acknowledged
  ADD COLUMN alert_acknowledged_at bigint[],
  ADD COLUMN callback_requested_at bigint[],
  ADD COLUMN duplicate_linked_at bigint[],
  ADD COLUMN follow_up_at bigint[];

UPDATE query_report_orders SET
  number = facts ->> 'number',
  channel = facts ->> 'channel',
  tier = facts ->> 'tier',
  team_id = facts ->> 'teamId',
  technician_id = facts #>> '{technician,staffId}',
  acknowledged_at = pg_temp.ms(facts ->> 'acknowledgedAt'),
  resolved_at = pg_temp.instants(facts -> 'resolvedAt', NULL),
  reopened_at = pg_temp.instants(facts -> 'reopenedAt', NULL),
  rejected_at = pg_temp.instants(facts -> 'rejectedAt', NULL),
  closed_at = pg_temp.instants(facts -> 'closes', 'at'),
  close_ratings = ARRAY(SELECT (c ->> 'rating')::smallint FROM jsonb_array_elements(facts -> 'closes') WITH ORDINALITY AS t(c, i) ORDER BY i),
  close_commented = ARRAY(SELECT c ->> 'comment' IS NOT NULL FROM jsonb_array_elements(facts -> 'closes') WITH ORDINALITY AS t(c, i) ORDER BY i),
  cancelled_at = pg_temp.ms(facts #>> '{cancelled,at}'),
  response_verdict_at = (SELECT pg_temp.ms(v ->> 'at') FROM jsonb_array_elements(facts -> 'verdicts') AS t(v) WHERE v ->> 'target' = 'response'),
  response_met = (SELECT (v ->> 'met')::boolean FROM jsonb_array_elements(facts -> 'verdicts') AS t(v) WHERE v ->> 'target' = 'response'),
  resolution_verdict_at = ARRAY(SELECT pg_temp.ms(v ->> 'at') FROM jsonb_array_elements(facts -> 'verdicts') WITH ORDINALITY AS t(v, i) WHERE v ->> 'target' = 'resolution' ORDER BY i),
  resolution_met = ARRAY(SELECT (v ->> 'met')::boolean FROM jsonb_array_elements(facts -> 'verdicts') WITH ORDINALITY AS t(v, i) WHERE v ->> 'target' = 'resolution' ORDER BY i),
  escalated_at = pg_temp.instants(facts -> 'escalations', 'at'),
  escalation_levels = ARRAY(SELECT (e ->> 'level')::smallint FROM jsonb_array_elements(facts -> 'escalations') WITH ORDINALITY AS t(e, i) ORDER BY i),
  alert_raised_at = pg_temp.instants(facts -> 'alerts', 'raisedAt'),
  alert_acknowledged_at = pg_temp.instants(facts -> 'alerts', 'acknowledgedAt'),
  callback_requested_at = pg_temp.instants(facts -> 'callbacksRequestedAt', NULL),
  duplicate_linked_at = pg_temp.instants(facts -> 'duplicatesLinkedAt', NULL),
  follow_up_at = pg_temp.instants(facts -> 'followUpsAt', NULL);

-- Changing the types rewrites the table, without the dropped facts.
ALTER TABLE query_report_orders
  DROP COLUMN facts,
  ALTER COLUMN reported_at TYPE bigint USING (extract(epoch FROM reported_at) * 1000)::bigint,
  ALTER COLUMN ended_at TYPE bigint USING (extract(epoch FROM ended_at) * 1000)::bigint,
  ALTER COLUMN last_step_at TYPE bigint USING (extract(epoch FROM last_step_at) * 1000)::bigint,
  ALTER COLUMN number SET NOT NULL,
  ALTER COLUMN channel SET NOT NULL,
  ALTER COLUMN resolved_at SET NOT NULL,
  ALTER COLUMN reopened_at SET NOT NULL,
  ALTER COLUMN rejected_at SET NOT NULL,
  ALTER COLUMN closed_at SET NOT NULL,
  ALTER COLUMN close_ratings SET NOT NULL,
  ALTER COLUMN close_commented SET NOT NULL,
  ALTER COLUMN resolution_verdict_at SET NOT NULL,
  ALTER COLUMN resolution_met SET NOT NULL,
  ALTER COLUMN escalated_at SET NOT NULL,
  ALTER COLUMN escalation_levels SET NOT NULL,
  ALTER COLUMN alert_raised_at SET NOT NULL,
  ALTER COLUMN alert_acknowledged_at SET NOT NULL,
  ALTER COLUMN callback_requested_at SET NOT NULL,
  ALTER COLUMN duplicate_linked_at SET NOT NULL,
  ALTER COLUMN follow_up_at SET NOT NULL;

DROP FUNCTION pg_temp.instants(jsonb, text);
DROP FUNCTION pg_temp.ms(text);
