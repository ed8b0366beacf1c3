-- Fewer round trips per report (docs/adr/0038-intake-round-trips.md).
--
-- Verifiers may answer an integrator key they verified from memory for a few seconds instead of reading its row on
-- every request (libs/auth IntegratorKeyVerifier). Every change to an integrator or one of its keys, whoever makes it
-- (the admin tool, or SQL by hand), notifies them at its commit, and each forgets what it read before: a revoked
-- key, an expiry moved by a rotation or a narrowed scope holds on every instance as soon as the notification
-- arrives. Changes are rare (administration), so the notifications cost nothing worth counting.
CREATE FUNCTION access_integrator_keys_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('closeloop_integrator_keys_changed', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER access_integrator_keys_changed AFTER UPDATE OR DELETE ON access_integrator_keys
  FOR EACH STATEMENT EXECUTE FUNCTION access_integrator_keys_changed();
CREATE TRIGGER access_integrators_changed AFTER UPDATE OR DELETE ON access_integrators
  FOR EACH STATEMENT EXECUTE FUNCTION access_integrator_keys_changed();
