-- The priority registry and caller recognition (docs/adr/0028-priority-lane-and-caller-recognition.md).

-- intake: the registrations active now, for triage to match a report against (by phone digest, or by the site's
-- building and unit). The `priority-resident-<id>` streams are the record; a row follows its stream's state after
-- each command (registered: written; removed or expired: deleted). Never a plain phone: the keyed digest
-- (ResidentKeys.phoneDigest of RESIDENT_SECRET) and the masked form staff see.
CREATE TABLE intake_priority_residents (
  registration_id  uuid PRIMARY KEY,
  site_id          text NOT NULL,
  building         text,
  unit             text NOT NULL,
  phone_digest     text NOT NULL,
  phone_masked     text NOT NULL,
  name             text,
  need             text NOT NULL,
  consent          jsonb NOT NULL,
  review_on        date NOT NULL,
  registered_at    timestamptz NOT NULL
);
CREATE INDEX intake_priority_residents_by_phone ON intake_priority_residents (site_id, phone_digest);
CREATE INDEX intake_priority_residents_by_unit ON intake_priority_residents (site_id, unit);
CREATE INDEX intake_priority_residents_by_review ON intake_priority_residents (review_on);

-- query: the registry as workorders.events tells it, for the caller lookup (GET /v1/callers/{phone}); ended
-- registrations stay, with when and how they ended.
CREATE TABLE query_priority_residents (
  registration_id  uuid PRIMARY KEY,
  site_id          text NOT NULL,
  building         text,
  unit             text NOT NULL,
  phone_digest     text NOT NULL,
  phone_masked     text NOT NULL,
  need             text NOT NULL,
  review_on        date NOT NULL,
  registered_at    timestamptz NOT NULL,
  ended            text,
  ended_at         timestamptz,
  sequence         bigint
);
CREATE INDEX query_priority_residents_by_phone ON query_priority_residents (site_id, phone_digest);
CREATE INDEX query_priority_residents_by_unit ON query_priority_residents (site_id, unit);

-- query: the reporter's phone as a keyed digest, filled by the projection, so a caller is found without a plain
-- number in an index; and the priority lane that raised the order, if any (the board's and order page's tag).
-- Orders projected before this migration get both at their next event or a rebuild
-- (`projections rebuild --service query`).
ALTER TABLE query_work_orders
  ADD COLUMN reporter_phone_digest  text,
  ADD COLUMN priority_lane          jsonb;
CREATE INDEX query_work_orders_by_reporter_phone ON query_work_orders (site_id, reporter_phone_digest)
  WHERE reporter_phone_digest IS NOT NULL;
CREATE INDEX query_work_orders_by_unit ON query_work_orders (site_id, unit) WHERE unit IS NOT NULL;

-- query: the reports count received orders the lane raised (docs/reports.md, service levels).
ALTER TABLE query_report_orders ADD COLUMN priority_lane boolean NOT NULL DEFAULT false;
