-- query: what a report counts of an order in a window, worked out once per order where it can be (docs/adr/0023,
-- third "Later"). A service-level report evaluates its figures per (order, window): a twelve-month
-- report by month has about 180,000 such rows, and each read its lists through cardinality() and subscripts, a call
-- apiece, to find out again for every window that the order was closed once, resolved once and never reopened.
-- PostgreSQL now stores that verdict (`plain`) and the first step of each list beside the lists, computed when the
-- projection writes the row (live or in a rebuild, whose tables copy these definitions), so for a plain order every
-- figure is a comparison of two numbers. Orders that are not plain (reopened, rejected, escalated three times…) are
-- read from their lists as before.
ALTER TABLE query_report_orders
  ADD COLUMN plain boolean NOT NULL GENERATED ALWAYS AS (
    cardinality(reopened_at) = 0 AND cardinality(rejected_at) = 0 AND cardinality(closed_at) <= 1
    AND cardinality(resolved_at) <= 1 AND cardinality(resolution_verdict_at) <= 1
    AND cardinality(callback_requested_at) <= 1 AND cardinality(escalated_at) <= 2
    AND cardinality(duplicate_linked_at) <= 1 AND cardinality(follow_up_at) <= 1) STORED,
  ADD COLUMN first_closed_at bigint GENERATED ALWAYS AS (closed_at[1]) STORED,
  ADD COLUMN first_close_rating smallint GENERATED ALWAYS AS (close_ratings[1]) STORED,
  ADD COLUMN first_resolved_at bigint GENERATED ALWAYS AS (resolved_at[1]) STORED,
  ADD COLUMN first_resolution_verdict_at bigint GENERATED ALWAYS AS (resolution_verdict_at[1]) STORED,
  ADD COLUMN first_resolution_met boolean GENERATED ALWAYS AS (resolution_met[1]) STORED,
  ADD COLUMN first_callback_requested_at bigint GENERATED ALWAYS AS (callback_requested_at[1]) STORED,
  ADD COLUMN first_escalated_at bigint GENERATED ALWAYS AS (escalated_at[1]) STORED,
  ADD COLUMN first_escalation_level smallint GENERATED ALWAYS AS (escalation_levels[1]) STORED,
  ADD COLUMN second_escalated_at bigint GENERATED ALWAYS AS (escalated_at[2]) STORED,
  ADD COLUMN second_escalation_level smallint GENERATED ALWAYS AS (escalation_levels[2]) STORED,
  ADD COLUMN first_duplicate_linked_at bigint GENERATED ALWAYS AS (duplicate_linked_at[1]) STORED,
  ADD COLUMN first_follow_up_at bigint GENERATED ALWAYS AS (follow_up_at[1]) STORED;

-- The alerts of a window are read from the orders that have one: most orders never raise an alert, and reading
-- every order of every window to find that out cost a twelve-month report by month 30 to 40 ms of CPU.
CREATE INDEX query_report_orders_with_alerts_by_span ON query_report_orders USING gist (
  site_id,
  int8range(reported_at, CASE WHEN ended_at IS NULL THEN NULL ELSE last_step_at END, '[]')
) WHERE cardinality(alert_raised_at) > 0;
