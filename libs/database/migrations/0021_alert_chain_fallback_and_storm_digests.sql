-- The end of an escalation chain and alert storm shaping (ADR 12).

-- Who is paged when a site's chain runs out (every delivery of a level-3 alert dead). Without a row, the site's
-- level-1 supervisor on call is paged, else its dispatcher queue. Destinations hold endpoint secrets, as in
-- alert_contacts: written, never read back by the API.
CREATE TABLE alert_site_fallbacks (
  site_id       text PRIMARY KEY,
  destinations  jsonb NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Every alert of a site, decided once under the site's storm lock: paged one by one, or held for a digest. A
-- chain's fallback page is decided too (`<alert id>:fallback`) but does not count towards the storm.
CREATE TABLE alert_storm_members (
  member_key       text PRIMARY KEY,
  site_id          text NOT NULL,
  counted          boolean NOT NULL,
  decided_at       timestamptz NOT NULL DEFAULT now(),
  batch_opened_at  timestamptz
);
CREATE INDEX alert_storm_members_recent ON alert_storm_members (site_id, decided_at) WHERE counted;

-- A storm's digest window at a site: opened by the first alert past the threshold, closed a window's length later.
CREATE TABLE alert_storm_batches (
  site_id    text NOT NULL,
  opened_at  timestamptz NOT NULL,
  closes_at  timestamptz NOT NULL,
  PRIMARY KEY (site_id, opened_at)
);

-- One digest per recipient, channel and window, sent when the window closes; claimed with a lease like a delivery.
CREATE TABLE alert_digests (
  digest_id        uuid PRIMARY KEY,
  site_id          text NOT NULL,
  batch_opened_at  timestamptz NOT NULL,
  window_seconds   integer NOT NULL,
  staff_id         text NOT NULL,
  channel          text NOT NULL,
  destination      jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'gathering' CHECK (status IN ('gathering', 'delivered', 'dead', 'cancelled')),
  due_at           timestamptz NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  claimed_until    timestamptz,
  last_error       text,
  sent_at          timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (site_id, batch_opened_at, staff_id, channel)
);
CREATE INDEX alert_digests_due ON alert_digests (due_at) WHERE status = 'gathering';

-- The alerts a digest lists; an acknowledgement of the digest acknowledges each of them.
CREATE TABLE alert_digest_items (
  digest_id      uuid NOT NULL REFERENCES alert_digests (digest_id),
  alert_id       uuid NOT NULL REFERENCES alerts (alert_id),
  work_order_id  uuid NOT NULL,
  added_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (digest_id, alert_id)
);
CREATE INDEX alert_digest_items_alert ON alert_digest_items (alert_id);

-- Digest ack links are one-time, as alert ack links are.
CREATE TABLE alert_digest_links_used (
  link_digest  text PRIMARY KEY,
  digest_id    uuid NOT NULL,
  used_at      timestamptz NOT NULL DEFAULT now()
);
