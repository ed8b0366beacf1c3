-- On-call schedules, contact details and alert delivery of the notification service. Schedules are data, edited
-- through the API without a deploy; the alert streams (`alert-<id>`) in the event store are the history, these
-- tables the working state.

CREATE TABLE oncall_rotations (
  rotation_id      uuid PRIMARY KEY,
  site_id          text NOT NULL,
  level            smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
  time_zone        text NOT NULL,
  handoff          text NOT NULL CHECK (handoff IN ('daily', 'weekly')),
  handoff_time     text NOT NULL,
  handoff_weekday  smallint CHECK (handoff_weekday BETWEEN 1 AND 7),
  starts_on        date NOT NULL,
  members          text[] NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oncall_rotations_site_level ON oncall_rotations (site_id, level);

CREATE TABLE oncall_overrides (
  override_id  uuid PRIMARY KEY,
  site_id      text NOT NULL,
  level        smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
  staff_id     text NOT NULL,
  from_at      timestamptz NOT NULL,
  to_at        timestamptz NOT NULL CHECK (to_at > from_at),
  reason       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oncall_overrides_site_level ON oncall_overrides (site_id, level, to_at);

-- Where a person is paged, and where a site's alerts go when the person has no channel of their own (a site's
-- WeCom or DingTalk group, say). Destinations hold endpoint secrets: they are written, never read back by the API.
CREATE TABLE alert_contacts (
  owner_kind    text NOT NULL CHECK (owner_kind IN ('staff', 'site')),
  owner_id      text NOT NULL,
  destinations  jsonb NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_kind, owner_id)
);

CREATE TABLE alerts (
  alert_id        uuid PRIMARY KEY,
  work_order_id   uuid NOT NULL,
  kind            text NOT NULL,
  site_id         text NOT NULL,
  target          text,
  level           smallint,
  recipients      jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('open', 'acknowledged', 'closed')),
  raised_at       timestamptz NOT NULL,
  acknowledged_by jsonb,
  acknowledged_at timestamptz,
  closed_reason   text,
  closed_at       timestamptz
);
CREATE INDEX alerts_work_order ON alerts (work_order_id);
CREATE INDEX alerts_open_by_site ON alerts (site_id, raised_at) WHERE status = 'open';

-- One row per recipient and channel: the unit of delivery, retry and deduplication. Claimed with a short lease
-- like the sla-timer's timers, so no transaction stays open across a send (it would hold back the relay).
CREATE TABLE alert_deliveries (
  alert_id         uuid NOT NULL REFERENCES alerts (alert_id),
  staff_id         text NOT NULL,
  channel          text NOT NULL,
  destination      jsonb NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled')),
  round            integer NOT NULL DEFAULT 1,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  claimed_until    timestamptz,
  last_error       text,
  delivered_at     timestamptz,
  PRIMARY KEY (alert_id, staff_id, channel)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';

-- Ack links are one-time: a link's digest is kept once used.
CREATE TABLE alert_ack_links_used (
  link_digest  text PRIMARY KEY,
  alert_id     uuid NOT NULL,
  used_at      timestamptz NOT NULL DEFAULT now()
);

-- The inbox only proved that the service received the stream; alerts replace it.
DROP TABLE notification_inbox;
