-- A cheaper append (docs/adr/0034-append-in-one-statement.md, "Later"). Measured per append with 16 writers, the
-- backend's CPU was about four times a raw INSERT's, and more than half of it went to what one event does not need:
-- its fields parsed out of array literals, unnested, inserted through a CTE and aggregated back, the answer built as
-- a set, and the call planned each time. es_append_one appends one event from plain parameters, which is what almost
-- every append is; the store calls it as a prepared statement (a named query in `pg`), and sends several events, to
-- one stream or many, to es_append_many (migration 0041), which es_append (0039) no longer serves.
--
-- The head (version and hash) is read from es_events' unique (stream_id, stream_version) index, backwards: one probe
-- instead of es_streams joined to es_events. es_streams is still written, in the same statement: the anchor's stream
-- list, the admin tools and the tests' consistency checks read it. The expectation rule and the chain's text are SQL
-- functions the planner inlines; the bytes hashed are exactly those of migration 0039.
--
-- Unchanged: the appender mark and the stream's lock come before the first write (ADR 3), a conflict is SQLSTATE
-- CL409 with the stream's version as its detail, a repeated event id is the unique violation it was, the time is
-- taken under the lock to the millisecond, and one NOTIFY is sent among concurrent appends.

-- Whether a stream at `current_version` (0: no stream) meets what an append expects of it.
CREATE FUNCTION es_expectation_met(expected text, current_version integer) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT expected = 'any'
      OR (expected = 'no-stream' AND current_version = 0)
      OR (expected = 'stream-exists' AND current_version > 0)
      OR (expected ~ '^[0-9]+$' AND expected::integer = current_version)
$$;

-- The time an event's hash covers: its recorded instant in UTC to the millisecond, as Date.toISOString writes it.
CREATE FUNCTION es_chain_time(recorded timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- An event's hash (ADR 33): SHA-256 of its RFC 8785 text, which is the caller's canonical text of {data, id,
-- metadata} without its closing brace (chainTextPrefix) completed with the members only the store knows, each in
-- its one spelling. NULL when `previous` is NULL: an event after an unchained head stays unchained.
CREATE FUNCTION es_chain_hash(
  chain_prefix text,
  previous text,
  chain_stream text,
  chain_time text,
  chain_type text,
  version integer
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(
    chain_prefix || ',"prevHash":"' || previous || '","stream":' || chain_stream || ',"time":"' || chain_time ||
    '","type":' || chain_type || ',"version":' || version::text || '}', 'UTF8')), 'hex')
$$;

-- One event to one stream: the append almost every command makes.
CREATE FUNCTION es_append_one(
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
  PERFORM pg_notify('closeloop_events_appended', '') WHERE pg_try_advisory_xact_lock(1131179891, 2);
END
$$;

GRANT EXECUTE ON FUNCTION es_append_one(text, text, uuid, text, jsonb, jsonb, text, text, text) TO closeloop_services;
