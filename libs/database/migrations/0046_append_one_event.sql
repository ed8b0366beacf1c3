-- A cheaper append (docs/adr/0034-append-in-one-statement.md, "Later"). Measured per append with 16 writers, the
-- backend's CPU was about twice a raw INSERT's: most of it went to what one event does not need (its fields parsed
-- out of array literals, unnested, inserted through a CTE and aggregated back, the answer built as a set) and to
-- planning the call each time. So:
--   * es_append_one appends one event from plain parameters, which is what almost every append is; es_append keeps
--     the arrays for several events, and es_append_many for several streams. The store calls them as prepared
--     statements (a named query in `pg`), parsed and planned once per connection.
--   * the head (version and hash) is read from es_events' unique (stream_id, stream_version) index, backwards, one
--     probe instead of es_streams joined to es_events. es_streams is still written in the same transaction: other
--     readers (the anchor's stream list, the admin tools, the tests' consistency checks) keep relying on it.
--   * the expectation rule and the chain's text are written once, here, as SQL functions every append calls; the
--     planner inlines them, so they cost nothing at run time. The bytes hashed are exactly those of migration 0039.
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
  INSERT INTO es_streams (stream_id, version) VALUES (stream_id_wanted, next_version)
    ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now();
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

GRANT EXECUTE ON FUNCTION es_append_one(text, text, uuid, text, jsonb, jsonb, text, text, text) TO closeloop_services;

-- Several events to one stream (migration 0039's signature and answer).
CREATE OR REPLACE FUNCTION es_append(
  stream_id_wanted text,
  expected text,
  event_ids uuid[],
  event_types text[],
  event_data jsonb[],
  event_metadata jsonb[],
  chain_prefixes text[],
  chain_stream text,
  chain_types text[]
) RETURNS TABLE (next_version integer, last_position bigint)
LANGUAGE plpgsql AS $$
DECLARE
  current_version integer;
  head_hash text;
  recorded timestamptz;
  recorded_text text;
  previous text;
  hashes text[] := '{}';
  prev_hashes text[] := '{}';
  event_count integer := cardinality(event_ids);
BEGIN
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
  recorded_text := es_chain_time(recorded);
  previous := CASE WHEN current_version = 0 THEN repeat('0', 64) ELSE head_hash END;
  FOR i IN 1 .. event_count LOOP
    prev_hashes[i] := previous;
    previous := es_chain_hash(chain_prefixes[i], previous, chain_stream, recorded_text, chain_types[i], current_version + i);
    hashes[i] := previous;
  END LOOP;

  INSERT INTO es_streams (stream_id, version) VALUES (stream_id_wanted, current_version + event_count)
    ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now();
  RETURN QUERY
    WITH inserted AS (
      INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata, recorded_at, prev_hash, hash)
      SELECT stream_id_wanted, current_version + e.n::integer, e.event_id, e.event_type, e.data, e.metadata, recorded,
             e.prev_hash, e.hash
        FROM unnest(event_ids, event_types, event_data, event_metadata, prev_hashes, hashes)
             WITH ORDINALITY AS e(event_id, event_type, data, metadata, prev_hash, hash, n)
       ORDER BY e.n
      RETURNING global_position
    )
    SELECT current_version + event_count, max(inserted.global_position) FROM inserted;
  IF pg_try_advisory_xact_lock(1131179891, 2) THEN
    PERFORM pg_notify('closeloop_events_appended', '');
  END IF;
END
$$;

-- Several streams in one transaction (migration 0041's signature, answer and lock order).
CREATE OR REPLACE FUNCTION es_append_many(
  stream_ids text[],
  expected text[],
  chain_streams text[],
  event_counts integer[],
  event_ids uuid[],
  event_types text[],
  event_data jsonb[],
  event_metadata jsonb[],
  chain_prefixes text[],
  chain_types text[]
) RETURNS TABLE (stream_index integer, next_version integer, last_position bigint, conflict_version integer)
LANGUAGE plpgsql AS $$
DECLARE
  lock_key bigint;
  current_version integer;
  head_hash text;
  recorded timestamptz;
  recorded_text text;
  previous text;
  first_event integer := 1;
  written integer := 0;
  appended_streams integer[] := '{}';
  appended_versions integer[] := '{}';
  written_streams integer[] := '{}';
  written_versions integer[] := '{}';
  written_events integer[] := '{}';
  prev_hashes text[] := '{}';
  hashes text[] := '{}';
BEGIN
  IF cardinality(event_ids) <> (SELECT coalesce(sum(c), 0) FROM unnest(event_counts) AS c) THEN
    RAISE EXCEPTION 'es_append_many: % events for streams that count %', cardinality(event_ids), event_counts;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(1131179891, 1), set_config('closeloop.appender', 'marked', true);
  FOR lock_key IN SELECT DISTINCT hashtextextended(id, 0) FROM unnest(stream_ids) AS id ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(lock_key);
  END LOOP;

  recorded := date_trunc('milliseconds', clock_timestamp());
  recorded_text := es_chain_time(recorded);

  FOR s IN 1 .. cardinality(stream_ids) LOOP
    current_version := NULL;
    head_hash := NULL;
    SELECT e.stream_version, e.hash INTO current_version, head_hash
      FROM es_events e WHERE e.stream_id = stream_ids[s] ORDER BY e.stream_version DESC LIMIT 1;
    current_version := coalesce(current_version, 0);
    IF NOT es_expectation_met(expected[s], current_version) THEN
      stream_index := s;
      next_version := NULL;
      last_position := NULL;
      conflict_version := current_version;
      RETURN NEXT;
    ELSE
      previous := CASE WHEN current_version = 0 THEN repeat('0', 64) ELSE head_hash END;
      FOR i IN 1 .. event_counts[s] LOOP
        written := written + 1;
        written_streams[written] := s;
        written_versions[written] := current_version + i;
        written_events[written] := first_event + i - 1;
        prev_hashes[written] := previous;
        previous := es_chain_hash(chain_prefixes[first_event + i - 1], previous, chain_streams[s], recorded_text,
                                  chain_types[first_event + i - 1], current_version + i);
        hashes[written] := previous;
      END LOOP;
      appended_streams := appended_streams || s;
      appended_versions := appended_versions || (current_version + event_counts[s]);
    END IF;
    first_event := first_event + event_counts[s];
  END LOOP;

  IF written = 0 THEN
    RETURN;
  END IF;
  INSERT INTO es_streams (stream_id, version)
    SELECT stream_ids[a.s], a.v FROM unnest(appended_streams, appended_versions) AS a(s, v)
    ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now();
  RETURN QUERY
    WITH inserted AS (
      INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata, recorded_at, prev_hash, hash)
      SELECT stream_ids[w.s], w.v, event_ids[w.e], event_types[w.e], event_data[w.e], event_metadata[w.e], recorded,
             w.prev_hash, w.hash
        FROM unnest(written_streams, written_versions, written_events, prev_hashes, hashes)
             WITH ORDINALITY AS w(s, v, e, prev_hash, hash, n)
       ORDER BY w.n
      RETURNING es_events.stream_id, es_events.global_position
    )
    SELECT a.s, a.v, max(inserted.global_position), NULL::integer
      FROM unnest(appended_streams, appended_versions) AS a(s, v)
      JOIN inserted ON inserted.stream_id = stream_ids[a.s]
     GROUP BY a.s, a.v;
  IF pg_try_advisory_xact_lock(1131179891, 2) THEN
    PERFORM pg_notify('closeloop_events_appended', '');
  END IF;
END
$$;
