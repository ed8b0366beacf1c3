-- A leaner single-event append (issue 15; docs/adr/0034-append-in-one-statement.md, "Later" of 2026-12-05 evening).
-- Measured per call, what an insert into es_events pays on top of the event itself is mostly fixed work per
-- statement, not per byte:
--
-- * Each CHECK constraint is rebuilt for every statement that inserts (read back from the catalog's node text,
--   planned and compiled: PostgreSQL keeps no compiled copy across statements). The chain's three checks become one,
--   which refuses exactly what the three refused: both links NULL (an event stored before the chain) or both
--   lowercase hex SHA-256.
-- * The statement trigger that refuses an unmarked insert (migration 0025) ran its PL/pgSQL function on every
--   insert. Its WHEN clause now asks the same question as an expression, so the function runs only to refuse.
-- * es_append_one took the NOTIFY try-lock in a statement of its own (a snapshot and an executor per append); an IF
--   evaluates the try-lock as a plain expression, and only the one append that gets it runs the NOTIFY.
--
-- Nothing es_append_one promises changes: the appender mark and the stream lock before the first write (ADR 3), the
-- head read under the lock, CL409 with the stream's version, the unique violation on a repeated event id, the time
-- taken under the lock, the chain's bytes (es_chain_hash), the es_streams row, one NOTIFY among concurrent appends.

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

CREATE OR REPLACE FUNCTION es_append_one(
  stream_id_wanted text,
  expected text,
  event_id uuid,
  event_type text,
  event_data jsonb,
  event_metadata jsonb,
  chain_prefix text,
  chain_stream text,
  chain_type text,
  OUT next_version integer,
  OUT last_position bigint
)
LANGUAGE plpgsql AS $$
DECLARE
  current_version integer;
  head_hash text;
  recorded timestamptz;
  previous text;
BEGIN
  -- The appender mark, then the stream lock, both before the first write (ADR 3, migration 0025).
  PERFORM pg_advisory_xact_lock_shared(1131179891, 1), set_config('closeloop.appender', 'marked', true),
          pg_advisory_xact_lock(hashtextextended(stream_id_wanted, 0));
  SELECT e.stream_version, e.hash INTO current_version, head_hash
    FROM es_events e WHERE e.stream_id = stream_id_wanted ORDER BY e.stream_version DESC LIMIT 1;
  current_version := coalesce(current_version, 0);
  IF NOT es_expectation_met(expected, current_version) THEN
    RAISE EXCEPTION 'stream % is at version %, not %', stream_id_wanted, current_version, expected
      USING ERRCODE = 'CL409', DETAIL = current_version::text;
  END IF;

  recorded := date_trunc('milliseconds', clock_timestamp());
  -- A stream written before the chain has a head without a hash and stays unchained until the backfill chains it.
  previous := CASE WHEN current_version = 0 THEN repeat('0', 64) ELSE head_hash END;
  next_version := current_version + 1;
  -- One statement for both writes: the stream's row rides along as a data-modifying CTE.
  WITH stream AS (
    INSERT INTO es_streams (stream_id, version) VALUES (stream_id_wanted, next_version)
      ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
  )
  INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata, recorded_at, prev_hash, hash)
    VALUES (stream_id_wanted, next_version, event_id, event_type, event_data, event_metadata, recorded, previous,
            es_chain_hash(chain_prefix, previous, chain_stream, es_chain_time(recorded), chain_type, next_version))
    RETURNING global_position INTO last_position;
  -- Wakes an idle relay, one sender among concurrent appends (see migration 0039).
  IF pg_try_advisory_xact_lock(1131179891, 2) THEN
    PERFORM pg_notify('closeloop_events_appended', '');
  END IF;
END
$$;
