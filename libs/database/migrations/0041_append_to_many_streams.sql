-- An append to several streams in one statement (docs/adr/0037-timer-batches.md): what es_append (migration 0039)
-- does for one stream, for a batch of distinct streams in one transaction, so a worker that decides on many streams
-- at once (the SLA timers firing a burst of breaches) pays one round trip and one commit for all of them.
--
-- Streams arrive as parallel arrays (id, expected version, id as a JSON string for the chain) and their events as
-- flat arrays, grouped stream by stream in the streams' order, `event_counts` saying how many each has. Each stream's
-- expectation is checked on its own: one that fails is answered with its version in `conflict_version` and nothing
-- is written to it, and the other streams are appended all the same. A repeated event id fails the whole statement,
-- as in es_append.
--
-- ADR 3 holds as in es_append: the transaction is marked as an appender first, then takes the lock of every stream it
-- names before its first write, so it is given its transaction id after every earlier append to those streams got
-- theirs and appends to one stream keep getting increasing ids. The locks are taken in the order of their keys, the
-- one order every batch uses, so two batches naming the same streams wait for each other instead of deadlocking; a
-- single-stream append holds one lock only and cannot close a cycle.
CREATE FUNCTION es_append_many(
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

  -- One time for the whole batch, taken under every lock, to the millisecond (what is stored is what was hashed).
  recorded := date_trunc('milliseconds', clock_timestamp());
  recorded_text := to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

  FOR s IN 1 .. cardinality(stream_ids) LOOP
    current_version := NULL;
    head_hash := NULL;
    SELECT st.version, e.hash INTO current_version, head_hash
      FROM es_streams st
      LEFT JOIN es_events e ON e.stream_id = st.stream_id AND e.stream_version = st.version
     WHERE st.stream_id = stream_ids[s];
    current_version := coalesce(current_version, 0);
    IF NOT (expected[s] = 'any'
            OR (expected[s] = 'no-stream' AND current_version = 0)
            OR (expected[s] = 'stream-exists' AND current_version > 0)
            OR (expected[s] ~ '^[0-9]+$' AND expected[s]::integer = current_version)) THEN
      stream_index := s;
      next_version := NULL;
      last_position := NULL;
      conflict_version := current_version;
      RETURN NEXT;
    ELSE
      -- The chain as es_append makes it; a stream written before the chain stays unchained until its backfill.
      previous := CASE WHEN current_version = 0 THEN repeat('0', 64) ELSE head_hash END;
      FOR i IN 1 .. event_counts[s] LOOP
        written := written + 1;
        written_streams[written] := s;
        written_versions[written] := current_version + i;
        written_events[written] := first_event + i - 1;
        prev_hashes[written] := previous;
        IF previous IS NOT NULL THEN
          previous := encode(sha256(convert_to(
            chain_prefixes[first_event + i - 1] || ',"prevHash":"' || previous || '","stream":' || chain_streams[s] ||
            ',"time":"' || recorded_text || '","type":' || chain_types[first_event + i - 1] || ',"version":' ||
            (current_version + i) || '}', 'UTF8')), 'hex');
        END IF;
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
  -- Wakes an idle relay, one sender among concurrent appends (see es_append, migration 0039).
  IF pg_try_advisory_xact_lock(1131179891, 2) THEN
    PERFORM pg_notify('closeloop_events_appended', '');
  END IF;
END
$$;

GRANT EXECUTE ON FUNCTION es_append_many(text[], text[], text[], integer[], uuid[], text[], jsonb[], jsonb[], text[], text[])
  TO closeloop_services;
