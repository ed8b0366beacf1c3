-- Cheaper inserts into es_events (issue 15; docs/adr/0034-append-in-one-statement.md, "Later" of 2026-12-05 evening).
-- Measured per call, what an insert into es_events pays on top of the event itself is mostly fixed work per
-- statement, not per byte:
--
-- * Each CHECK constraint is rebuilt for every statement that inserts (read back from the catalog's node text,
--   planned and compiled: PostgreSQL keeps no compiled copy across statements). The chain's three checks become one,
--   which refuses exactly what the three refused: both links NULL (an event stored before the chain) or both
--   lowercase hex SHA-256.
-- * The statement trigger that refuses an unmarked insert (migration 0025) ran its PL/pgSQL function on every
--   insert. Its WHEN clause now asks the same question as an expression, so the function runs only to refuse.
--
-- es_append_one and es_append_many are unchanged, and so is everything they promise (ADR 3, ADR 33, ADR 34); both
-- insert through the one check and the one trigger.

ALTER TABLE es_events
  ADD CONSTRAINT es_events_chain_link_well_formed CHECK (
    coalesce(prev_hash ~ '^[0-9a-f]{64}$' AND hash ~ '^[0-9a-f]{64}$', prev_hash IS NULL AND hash IS NULL)
  ) NOT VALID;
ALTER TABLE es_events VALIDATE CONSTRAINT es_events_chain_link_well_formed;
ALTER TABLE es_events
  DROP CONSTRAINT es_events_chained_together,
  DROP CONSTRAINT es_events_hash_check,
  DROP CONSTRAINT es_events_prev_hash_check;

DROP TRIGGER es_events_appenders_only ON es_events;
CREATE TRIGGER es_events_appenders_only
  BEFORE INSERT ON es_events
  FOR EACH STATEMENT
  WHEN (current_setting('closeloop.appender', true) IS DISTINCT FROM 'marked')
  EXECUTE FUNCTION es_events_require_appender_mark();
