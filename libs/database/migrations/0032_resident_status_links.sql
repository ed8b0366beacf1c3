-- Residents' status links (docs/adr/0026-resident-status-links.md): a link's token is HMAC-SHA256 of the order id under
-- a key derived from RESIDENT_SECRET, and tables keep only the token's SHA-256, so neither a database reader nor a
-- guess that came close learns a link. Each service that answers a link keeps the digest beside its own row of the
-- order: query for the resident's view (GET /v1/resident/orders/{token}), intake for the resident's actions.
--
-- A digest needs the secret, which SQL does not have: rows from before this migration are filled by the services
-- themselves when they start (and whenever the secret changes), and by the query projection on each event.
ALTER TABLE query_work_orders ADD COLUMN link_digest text;
CREATE UNIQUE INDEX query_work_orders_by_link_digest ON query_work_orders (link_digest);

ALTER TABLE intake_reports ADD COLUMN link_digest text;
CREATE UNIQUE INDEX intake_reports_by_link_digest ON intake_reports (link_digest);
