-- The reports' read model (docs/reports.md): one row an order, folded from its timeline like query_work_orders,
-- holding the instant of every step a figure counts (facts). The columns beside it are what a report filters on:
-- a report reads the site's orders reported before its end whose last step is not before its start, and the open
-- ones. Orders projected before this migration get their rows from `closeloop-admin projections rebuild
-- --service query` (docs/operations.md).
CREATE TABLE query_report_orders (
  work_order_id  uuid PRIMARY KEY,
  site_id        text NOT NULL,
  category       text,
  building       text,
  unit           text,
  reported_at    timestamptz NOT NULL,
  -- closed or cancelled; null while the order is open
  ended_at       timestamptz,
  last_step_at   timestamptz NOT NULL,
  facts          jsonb NOT NULL
);
CREATE INDEX query_report_orders_by_period ON query_report_orders (site_id, last_step_at);
CREATE INDEX query_report_orders_open ON query_report_orders (site_id) WHERE ended_at IS NULL;
CREATE INDEX query_report_orders_by_month ON query_report_orders (site_id, reported_at);
