-- The tamper-evident event chain and append-only events (docs/adr/0033-tamper-evident-event-chain.md).

-- Each event carries the hash of its stream's event before it and its own hash, lowercase hex SHA-256. NULL on events
-- stored before this migration until `npm run -s admin -- audit backfill` chains their streams.
ALTER TABLE es_events
  ADD COLUMN prev_hash text CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  ADD COLUMN hash      text CHECK (hash ~ '^[0-9a-f]{64}$'),
  ADD CONSTRAINT es_events_chained_together CHECK ((prev_hash IS NULL) = (hash IS NULL));

-- Events are never changed or removed. The one update allowed gives an event written before the chain its hashes,
-- once, changing nothing else: that is how the backfill chains old streams.
CREATE FUNCTION es_events_refuse_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
     AND (NEW.global_position, NEW.transaction_id, NEW.stream_id, NEW.stream_version, NEW.event_id, NEW.event_type,
          NEW.data, NEW.metadata, NEW.recorded_at)
         IS NOT DISTINCT FROM
         (OLD.global_position, OLD.transaction_id, OLD.stream_id, OLD.stream_version, OLD.event_id, OLD.event_type,
          OLD.data, OLD.metadata, OLD.recorded_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'es_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'events are never changed or removed; see docs/adr/0033-tamper-evident-event-chain.md';
END
$$;

CREATE TRIGGER es_events_append_only
  BEFORE UPDATE OR DELETE ON es_events
  FOR EACH ROW EXECUTE FUNCTION es_events_refuse_changes();

CREATE FUNCTION es_events_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'es_events is append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER es_events_no_truncate
  BEFORE TRUNCATE ON es_events
  FOR EACH STATEMENT EXECUTE FUNCTION es_events_refuse_truncate();

-- query keeps each event's chain link as published (CloudEvent attributes chainhash, chainprevhash), so an order's
-- signed record can carry the hashes the store's chain has; NULL for events published before the chain.
ALTER TABLE query_timeline
  ADD COLUMN chain_hash      text,
  ADD COLUMN chain_prev_hash text;

-- The services' role: what the services log in as in production (a login role granted this one), separate from the
-- role that owns the tables and runs migrations and maintenance (docs/operations.md, "Database roles"). Roles belong
-- to the server, not the database, so a second database on the same server finds it made already.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'closeloop_services') THEN
    BEGIN
      CREATE ROLE closeloop_services NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database's migration made it at the same moment
    END;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO closeloop_services;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO closeloop_services;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO closeloop_services;
-- Tables later migrations make, as the role running them, are the services' to use too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO closeloop_services;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO closeloop_services;
-- Except the events: read and appended, never changed.
REVOKE UPDATE, DELETE, TRUNCATE ON es_events FROM closeloop_services, PUBLIC;
