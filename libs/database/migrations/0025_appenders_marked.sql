-- Readers of the whole log tell appending transactions from every other one by a shared advisory lock each
-- appender takes before it writes (docs/adr/0003-relay-commit-order.md). An insert without it would be invisible
-- to that rule and could be skipped by the relay, so it is refused here rather than lost later.
CREATE FUNCTION es_events_require_appender_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- BEGIN_APPENDING_SQL sets this transaction-local flag in the statement that takes the lock; reading pg_locks
  -- here instead would cost a scan of the lock table on every append.
  IF current_setting('closeloop.appender', true) IS DISTINCT FROM 'marked' THEN
    RAISE EXCEPTION 'es_events is written only by transactions that take the appender lock first'
      USING HINT = 'append through the event store (BEGIN_APPENDING_SQL); see docs/adr/0003-relay-commit-order.md';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER es_events_appenders_only
  BEFORE INSERT ON es_events
  FOR EACH STATEMENT EXECUTE FUNCTION es_events_require_appender_mark();
