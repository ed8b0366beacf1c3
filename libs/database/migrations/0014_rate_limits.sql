-- Fixed-window request counters, shared by every instance of every service: a caller's budget holds however many
-- instances serve it. One row per (bucket, window); the window is judged by the database's clock, so instances
-- whose clocks drift still agree on it. window_end is stored because limiters with different window lengths share
-- the table: clean-up can then tell a finished window from a long one still running.
--
-- UNLOGGED: the counters are worth nothing after a crash or on a promoted standby (a window restarts at zero, at
-- worst letting a caller through early), and skipping the WAL keeps a write per request cheap. The fill factor
-- leaves room on each page for the hits updates to stay HOT (no index entry per update).
CREATE UNLOGGED TABLE rate_limits (
  bucket        text NOT NULL CHECK (bucket <> ''),
  window_start  timestamptz NOT NULL,
  window_end    timestamptz NOT NULL CHECK (window_end > window_start),
  hits          integer NOT NULL CHECK (hits > 0),
  PRIMARY KEY (bucket, window_start)
) WITH (fillfactor = 70);

-- Clean-up deletes windows that ended over an hour ago, oldest first (see RateLimiter in libs/runtime).
CREATE INDEX rate_limits_by_end ON rate_limits (window_end);
