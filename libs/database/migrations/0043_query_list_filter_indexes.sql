-- The work-order list (GET /v1/work-orders) is filtered within a site and ordered newest report first, then by
-- number. Without an index that starts with a filter's columns and ends in that order, a filter PostgreSQL cannot
-- narrow by an index reads the whole table and sorts it: over 100,000 orders of one site that took hundreds of
-- milliseconds for one building's category or a tier's recent orders (tools/bench/read-side.bench.js). With these the
-- list reads the first rows of the filter in list order and stops at the limit. The filters the console uses are
-- covered: building with category (the maintenance lead's board), tier with a report-time range (urgent this month),
-- and an owner's orders (a technician's history); the status filter keeps q_work_orders_site_status.
CREATE INDEX query_work_orders_by_building_category
  ON query_work_orders (site_id, building, category, reported_at DESC, number DESC);
CREATE INDEX query_work_orders_by_tier ON query_work_orders (site_id, tier, reported_at DESC, number DESC);
CREATE INDEX query_work_orders_by_owner ON query_work_orders (site_id, owner_id, reported_at DESC, number DESC);
