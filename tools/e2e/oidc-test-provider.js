// A real OpenID Connect provider for the console's sign-in spec (the `oidc-provider` package, ESM-only, hence a
// process of its own, which imports it): authorization code with PKCE for one public client, its own login and consent pages, and JWT access
// tokens carrying Closeloop's claims (audience closeloop, name, roles, sites), signed with the test stack's key so
// that the services verify them as they verify any staff token. Prints "ready" once it listens.
//
// Environment: OIDC_ISSUER (its URL), OIDC_SIGNING_KEY_FILE (a private ES256 JWK with a kid), OIDC_CLIENT_ID,
// OIDC_REDIRECT_URI, OIDC_AUDIENCE, OIDC_ACCOUNTS (JSON: login → { name, roles, sites }).
'use strict';
const { readFileSync } = require('node:fs');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const issuer = new URL(env('OIDC_ISSUER'));
const accounts = JSON.parse(env('OIDC_ACCOUNTS'));
const audience = env('OIDC_AUDIENCE');
const RESOURCE = `urn:closeloop:${audience}`;

const start = async () => {
  const { default: Provider } = await import('oidc-provider');
  const provider = new Provider(issuer.origin, {
    clients: [
      {
        client_id: env('OIDC_CLIENT_ID'),
        token_endpoint_auth_method: 'none',
        redirect_uris: [env('OIDC_REDIRECT_URI')],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [JSON.parse(readFileSync(env('OIDC_SIGNING_KEY_FILE'), 'utf8'))] },
    cookies: { keys: ['closeloop-console-sign-in-spec'] },
    claims: { openid: ['sub'], profile: ['name'] },
    findAccount: (_ctx, id) =>
      accounts[id] ? { accountId: id, claims: () => ({ sub: id, name: accounts[id].name }) } : undefined,
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'staff',
          audience,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const account = accounts[token.accountId];
      return account ? { name: account.name, roles: account.roles, sites: account.sites } : undefined;
    },
    clientBasedCORS: () => true,
    // Whatever login the form is given names the account; an unknown one is refused at findAccount.
    pkce: { required: () => true },
  });

  provider.listen(Number(issuer.port), issuer.hostname, () => process.stdout.write('ready\n'));
};

start().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
