-- A stream's version is its events' (issue 15; docs/adr/0034-append-in-one-statement.md, "Later" of 2026-12-06).
-- es_streams held each stream's version, written by every append beside its event, though the head has been read
-- from es_events' unique (stream_id, stream_version) index since migration 0046. With 16 writers that second row (a
-- heap tuple and a primary-key entry per new stream, a new tuple version per later append) cost about a fifth of
-- the backend's time per append. es_streams becomes a view over es_events: readers (the tests' consistency checks,
-- a bench, operators' queries) name it as before, and nothing writes it.
--
-- Optimistic concurrency is as strong as it was: an append locks its stream, then reads the head from es_events
-- under that lock, and the unique (stream_id, stream_version) index refuses a second event at one version whatever
-- writes it. Everything else es_append_one and es_append_many promise is unchanged (ADR 3, ADR 33, ADR 34): the
-- appender mark and the stream locks before the first write, CL409 with the version (es_append_one) or the
-- version as the stream's outcome (es_append_many), the unique violation on a repeated event id, the time taken
-- under the lock, the chain's bytes, one NOTIFY among concurrent appends.

-- One event to one stream (migration 0046), without the es_streams row.
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
  INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata, recorded_at, prev_hash, hash)
    VALUES (stream_id_wanted, next_version, event_id, event_type, event_data, event_metadata, recorded, previous,
            es_chain_hash(chain_prefix, previous, chain_stream, es_chain_time(recorded), chain_type, next_version))
    RETURNING global_position INTO last_position;
  -- Wakes an idle relay, one sender among concurrent appends (see migration 0039).
  PERFORM pg_notify('closeloop_events_appended', '') WHERE pg_try_advisory_xact_lock(1131179891, 2);
END
$$;

-- Several events to several streams (migration 0041, ADR 37): each head read from es_events as es_append_one reads
-- it, the expectation and the chain by the functions es_append_one uses (migration 0046; the same rule and the same
-- bytes as 0041's own copies), and no es_streams row.
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
  -- The appender mark, then every stream's lock in the order of their keys, before the first write (migration 0041).
  PERFORM pg_advisory_xact_lock_shared(1131179891, 1), set_config('closeloop.appender', 'marked', true);
  FOR lock_key IN SELECT DISTINCT hashtextextended(id, 0) FROM unnest(stream_ids) AS id ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(lock_key);
  END LOOP;

  -- One time for the whole batch, taken under every lock, to the millisecond (what is stored is what was hashed).
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
      -- A stream written before the chain stays unchained until its backfill (es_chain_hash of NULL is NULL).
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
  -- Wakes an idle relay, one sender among concurrent appends (see migration 0039).
  IF pg_try_advisory_xact_lock(1131179891, 2) THEN
    PERFORM pg_notify('closeloop_events_appended', '');
  END IF;
END
$$;

-- es_append (migration 0039) has had no caller since 0046 and would fail on the view; it goes.
DROP FUNCTION es_append(text, text, uuid[], text[], jsonb[], jsonb[], text[], text, text[]);

-- Every stream with an event, at the version of its last one. Its rows were the same while appends wrote them.
DROP TABLE es_streams;
CREATE VIEW es_streams AS
  SELECT stream_id, max(stream_version) AS version FROM es_events GROUP BY stream_id;
GRANT SELECT ON es_streams TO closeloop_services;
