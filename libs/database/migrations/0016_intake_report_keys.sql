-- What intake decided for each report sent with a retry key (an Idempotency-Key, or a CloudEvent's source and id),
-- written before anything else the report writes, so every retry of the key carries out the same decision: the
-- order the report joined as a duplicate, or (joined_work_order_id NULL) an order of its own, whose id is
-- retry_key_id. Duplicate matching depends on the moment (the joined order may since be resolved, or a closer
-- match opened), so a retry must not ask it again.
CREATE TABLE intake_report_keys (
  -- The key's version-5 UUID in its namespace (apps/intake/src/submit-report/idempotency.ts), not the raw key.
  retry_key_id          uuid PRIMARY KEY,
  request_fingerprint   text NOT NULL,
  joined_work_order_id  uuid,
  similarity            double precision,
  reason                text,
  decided_at            timestamptz NOT NULL DEFAULT now(),
  CHECK ((joined_work_order_id IS NULL) = (similarity IS NULL) AND (joined_work_order_id IS NULL) = (reason IS NULL))
);
