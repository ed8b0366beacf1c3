-- The event store. One row per stream holds its version; events carry the id of the transaction that wrote
-- them (xid8) so the relay can read in commit-safe order (docs/adr/0003-relay-commit-order.md).
CREATE TABLE es_streams (
  stream_id   text PRIMARY KEY,
  version     integer NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE es_events (
  global_position  bigserial PRIMARY KEY,
  transaction_id   xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id        text NOT NULL,
  stream_version   integer NOT NULL,
  event_id         uuid NOT NULL UNIQUE,
  event_type       text NOT NULL,
  data             jsonb NOT NULL,
  metadata         jsonb NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT es_events_stream_version_unique UNIQUE (stream_id, stream_version)
);

CREATE INDEX es_events_commit_order ON es_events (transaction_id, global_position);

-- Durable positions of readers of the whole log (the relay).
CREATE TABLE es_checkpoints (
  subscriber  text PRIMARY KEY,
  checkpoint  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
