-- The local stack's sign-in links (docs/adr/0025-staff-console.md): `npm run admin -- console sign-in-link` stores
-- a one-time code for a named staff member, the console exchanges it once for a staff token. Only the code's
-- SHA-256 is kept, so this table is no list of working links; used_at marks the one exchange a code gets.
CREATE TABLE console_sign_in_codes (
  code_hash   text PRIMARY KEY,
  staff_id    text NOT NULL,
  name        text NOT NULL,
  roles       text[] NOT NULL,
  sites       text[] NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  CHECK (expires_at > created_at)
);
