-- Step notifications to the resident who reported an order (docs/adr/0027-resident-step-notices.md).

-- What notification's own facts about an order need to tell its reporter: the channel the report came by (the
-- site's rule picks the notice channel from it) and, for a report from the site's WeChat account, the reporter's
-- openid there. Null on orders reported before this migration and on reports without them.
ALTER TABLE notification_order_facts
  ADD COLUMN report_channel text,
  ADD COLUMN reporter_wechat_open_id text;

-- The notices waiting to be sent, or sent: the worker's working state, as notification_alert_deliveries is for
-- alerts (leases, attempts, next-attempt times; FOR UPDATE SKIP LOCKED). What came of each is an event on the
-- order's `resident-notice-<workOrderId>` stream; this table is not a read model of it.
CREATE TABLE notification_resident_notices (
  notice_id           uuid PRIMARY KEY,
  -- The order notices were planned in: one order's are sent one after the other, in this order.
  seq                 bigserial NOT NULL,
  work_order_id       uuid NOT NULL,
  step                text NOT NULL,
  channel             text NOT NULL CHECK (channel IN ('sms', 'wechat')),
  -- {phone} for SMS, {openId} for WeChat: the reporter's, as the order's facts had it when the step was planned.
  destination         jsonb NOT NULL,
  -- What is sent, rendered when the step was planned: {text, wechat?: {templateId, page, data}}.
  message             jsonb NOT NULL,
  -- Waiting for the end of the site's quiet hours: a later step of the order supersedes it.
  deferred            boolean NOT NULL DEFAULT false,
  status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead', 'superseded', 'failed')),
  next_attempt_at     timestamptz NOT NULL,
  claimed_until       timestamptz,
  attempts            integer NOT NULL DEFAULT 0,
  processing_failures integer NOT NULL DEFAULT 0,
  last_error          text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  finished_at         timestamptz
);
CREATE INDEX notification_resident_notices_due ON notification_resident_notices (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_resident_notices_order ON notification_resident_notices (work_order_id) WHERE status = 'pending';

-- Residents who asked not to be sent step notices at a site, by the keyed digest of their number
-- (ResidentKeys.phoneDigest): no plain number is kept or indexed.
CREATE TABLE notification_resident_opt_outs (
  site_id      text NOT NULL,
  phone_digest text NOT NULL,
  -- Who recorded it: {kind: staff|integrator, id}.
  recorded_by  jsonb NOT NULL,
  recorded_at  timestamptz NOT NULL,
  PRIMARY KEY (site_id, phone_digest)
);
