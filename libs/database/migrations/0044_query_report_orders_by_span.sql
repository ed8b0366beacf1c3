-- query: the service-level reports count their figures in SQL, a window at a time (docs/adr/0023): an order counts
-- in a window when it was reported before the window's end and has a step in or after its start, or is still open,
-- i.e. when its span (report to last step, unbounded while open) overlaps the window. A B-tree answers one side of
-- that: a month of a twelve-month report by month read every order reported before the month's end and dropped
-- nine in ten. A GiST index over the span (with the site, through btree_gist) reads only the orders that count.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE INDEX query_report_orders_by_span ON query_report_orders USING gist (
  site_id,
  int8range(reported_at, CASE WHEN ended_at IS NULL THEN NULL ELSE last_step_at END, '[]')
);
