-- Poison messages never stop a pipeline (docs/adr/0013-parking-poison-messages.md).
--
-- Events the relay could not publish, kept beside its checkpoint (es_checkpoints). A row is either an event that
-- failed for good on its own (held_behind NULL: it could not be mapped to a Kafka record, or the broker refused
-- it as too large) or a later event of the same stream, held back behind it so that one order's events never
-- reach Kafka out of order. A stream stays blocked while any of its rows is unresolved ('parked' or
-- 'retry-requested'); an operator resolves the first one by retrying or skipping it, and the relay then publishes
-- the rest in stream order.
CREATE TABLE relay_parked_events (
  relay            text NOT NULL,
  event_id         uuid NOT NULL,
  stream_id        text NOT NULL,
  stream_version   integer NOT NULL,
  event_type       text NOT NULL,
  global_position  text NOT NULL,
  checkpoint       text NOT NULL,
  error_code       text NOT NULL,
  reason           text NOT NULL,
  held_behind      uuid,
  status           text NOT NULL DEFAULT 'parked' CHECK (status IN ('parked', 'retry-requested', 'published', 'skipped')),
  attempts         integer NOT NULL DEFAULT 1,
  parked_at        timestamptz NOT NULL DEFAULT now(),
  resolved_at      timestamptz,
  resolved_by      text,
  PRIMARY KEY (relay, event_id)
);
CREATE INDEX relay_parked_events_unresolved ON relay_parked_events (relay, stream_id, stream_version)
  WHERE status IN ('parked', 'retry-requested');

-- Records a consumer could neither handle nor dead-letter (the dead letter's headers pushed a record that was
-- close to the broker's size limit over it, or the broker refused the dead letter otherwise): kept here byte for
-- byte with why, so the partition moves on and nothing is dropped. Headers are [{name, value}] with values in
-- base64, since Kafka headers are bytes.
CREATE TABLE consumer_parked_messages (
  consumer_group     text NOT NULL,
  topic              text NOT NULL,
  partition          integer NOT NULL,
  record_offset      bigint NOT NULL,
  record_key         bytea,
  record_value       bytea,
  headers            jsonb NOT NULL,
  error_code         text NOT NULL,
  reason             text NOT NULL,
  attempts           integer NOT NULL,
  dead_letter_error  text NOT NULL,
  parked_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition, record_offset)
);
