-- Who may call Closeloop from outside. An integrator is a system that submits residents' reports for some sites
-- (a site's phone hotline, a CRM, a sensor gateway); it authenticates with API keys `clk_<key_id>_<secret>`, of
-- which only an argon2id hash of the secret is kept. Scope ('*' = all) is read on every request, so narrowing it
-- or revoking a key takes effect at once on every instance.
CREATE TABLE integrators (
  integrator_id  text PRIMARY KEY CHECK (integrator_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name           text NOT NULL CHECK (name <> ''),
  sites          text[] NOT NULL CHECK (cardinality(sites) > 0),
  event_types    text[] NOT NULL CHECK (cardinality(event_types) > 0),
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- A rotated key stays usable until expires_at (the overlap in which the integrator swaps keys); a revoked one
-- stops at once. Rows are never deleted, so `integrator list` keeps the history.
CREATE TABLE integrator_keys (
  key_id         text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{12}$'),
  integrator_id  text NOT NULL REFERENCES integrators (integrator_id),
  secret_hash    text NOT NULL CHECK (secret_hash LIKE '$argon2id$%'),
  status         text NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz,
  revoked_at     timestamptz,
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
CREATE INDEX integrator_keys_by_integrator ON integrator_keys (integrator_id);
