-- Timers and alert deliveries stop retrying after a bounded number of attempts and wait, failed, for an operator
-- (`npm run -s admin -- timers|deliveries list-failed|retry`; docs/adr/0013-parking-poison-messages.md).

-- A timer whose firing failed TIMER_MAX_ATTEMPTS times: no longer claimed until an operator retries it.
ALTER TABLE sla_timers ADD COLUMN failed_at timestamptz;
CREATE INDEX sla_timers_failed ON sla_timers (failed_at) WHERE failed_at IS NOT NULL;

-- A delivery that could not be processed (the alert not loadable, its attempt not recordable: not a channel's
-- failure, which dead-letters it) ALERT_PROCESSING_MAX_ATTEMPTS times in a row is 'failed'.
ALTER TABLE alert_deliveries ADD COLUMN processing_failures integer NOT NULL DEFAULT 0;
ALTER TABLE alert_deliveries ADD COLUMN failed_at timestamptz;
ALTER TABLE alert_deliveries DROP CONSTRAINT alert_deliveries_status_check;
ALTER TABLE alert_deliveries ADD CONSTRAINT alert_deliveries_status_check
  CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled', 'failed'));
CREATE INDEX alert_deliveries_failed ON alert_deliveries (failed_at) WHERE status = 'failed';
