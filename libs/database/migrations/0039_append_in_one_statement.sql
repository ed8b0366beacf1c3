-- An append in one round trip (docs/adr/0034-append-in-one-statement.md): one call of es_append, in a transaction of
-- its own, does what the event store used to do in seven statements. It marks its transaction as an appender and
-- takes the stream's lock before it writes anything (ADR 3: readers of the global order see it as an appender from
-- before it has a transaction id, and appends to one stream get increasing transaction ids), checks the expected
-- version against the stream's head, chains each event to the one before it (ADR 33), inserts the events, moves the
-- stream's version and wakes the relay.
--
-- The chain's hash is SHA-256 of the RFC 8785 text of {data, id, metadata, prevHash, stream, time, type, version}.
-- The caller cannot know prevHash, time or version before the stream is locked, and PostgreSQL cannot write RFC 8785
-- JSON, so the caller sends what it can write and this function completes the text: `chain_prefixes` holds, per
-- event, the canonical text of {data, id, metadata} without its closing brace (those three keys sort first), and
-- `chain_stream` and `chain_types` the stream id and types as JSON strings. The members that follow are appended
-- here in their canonical order, in the one spelling each can have (lowercase hex, the ISO instant to the
-- millisecond, a whole number), so the text hashed is byte for byte what eventHash in libs/event-store computes.
--
-- A version conflict is raised with SQLSTATE CL409 and the stream's version as its detail; a repeated event id is
-- the unique violation it always was.
CREATE FUNCTION es_append(
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
  -- The appender mark and the stream lock, both before the first write (see above and migration 0025).
  PERFORM pg_advisory_xact_lock_shared(1131179891, 1), set_config('closeloop.appender', 'marked', true);
  PERFORM pg_advisory_xact_lock(hashtextextended(stream_id_wanted, 0));

  SELECT s.version, e.hash INTO current_version, head_hash
    FROM es_streams s
    LEFT JOIN es_events e ON e.stream_id = s.stream_id AND e.stream_version = s.version
   WHERE s.stream_id = stream_id_wanted;
  current_version := coalesce(current_version, 0);
  IF NOT (expected = 'any'
          OR (expected = 'no-stream' AND current_version = 0)
          OR (expected = 'stream-exists' AND current_version > 0)
          OR (expected ~ '^[0-9]+$' AND expected::integer = current_version)) THEN
    RAISE EXCEPTION 'stream % is at version %, not %', stream_id_wanted, current_version, expected
      USING ERRCODE = 'CL409', DETAIL = current_version::text;
  END IF;

  -- Taken under the stream's lock, to the millisecond, so what is stored is what was hashed.
  recorded := date_trunc('milliseconds', clock_timestamp());
  recorded_text := to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  -- A stream written before the chain has a head without a hash and stays unchained until the backfill chains it.
  previous := CASE WHEN current_version = 0 THEN repeat('0', 64) ELSE head_hash END;
  FOR i IN 1 .. event_count LOOP
    prev_hashes := prev_hashes || previous;
    IF previous IS NOT NULL THEN
      previous := encode(sha256(convert_to(
        chain_prefixes[i] || ',"prevHash":"' || previous || '","stream":' || chain_stream || ',"time":"' ||
        recorded_text || '","type":' || chain_types[i] || ',"version":' || (current_version + i) || '}', 'UTF8')), 'hex');
    END IF;
    hashes := hashes || previous;
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
  -- Wakes an idle relay. NOTIFY serialises the commits of every transaction that sends one (they queue on the one
  -- notification queue), which cost two thirds of the append rate under 16 writers; so among appends running at the
  -- same moment only one sends it. One that skipped is read by the relay's next poll, which comes within tens of
  -- milliseconds while appends keep arriving (libs/messaging relay.ts) and is woken by the next notification anyway.
  IF pg_try_advisory_xact_lock(1131179891, 2) THEN
    PERFORM pg_notify('closeloop_events_appended', '');
  END IF;
END
$$;

GRANT EXECUTE ON FUNCTION es_append(text, text, uuid[], text[], jsonb[], jsonb[], text[], text, text[]) TO closeloop_services;
