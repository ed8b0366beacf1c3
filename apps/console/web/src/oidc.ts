// Sign-in at the identity provider that issues staff tokens (STAFF_TOKEN_ISSUER): OpenID Connect, authorization
// code with PKCE, run in the browser by oidc-client-ts (docs/adr/0025-staff-console.md). The console is a public
// client: no secret, the PKCE verifier proves that the tab that started the sign-in is the one that finishes it.
// The access token goes to session.ts like any other staff token; oidc-client-ts keeps nothing after the round trip.
import type { UserManager } from 'oidc-client-ts';
import type { OidcSettings } from './oidc-settings';

/** Where the identity provider sends the browser back: register exactly this as the client's redirect URI. */
export const OIDC_CALLBACK_PATH = '/sign-in/callback';

// Loaded on demand: a console signed in by link or fragment never downloads the OIDC client.
const userManagerFor = async (settings: OidcSettings): Promise<UserManager> => {
  const { InMemoryWebStorage, UserManager, WebStorageStateStore } = await import('oidc-client-ts');
  return new UserManager({
    authority: settings.authority,
    client_id: settings.clientId,
    scope: settings.scope,
    redirect_uri: `${window.location.origin}${OIDC_CALLBACK_PATH}`,
    response_type: 'code',
    // The state and PKCE verifier of the round trip: this tab only, removed when the callback reads them.
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // The tokens are session.ts's to keep; the client's copy lives only as long as the page.
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    automaticSilentRenew: false,
  });
};

/** Sends the browser to the identity provider; it comes back to OIDC_CALLBACK_PATH. */
export const startOidcSignIn = async (settings: OidcSettings, ui_locales: string): Promise<void> =>
  (await userManagerFor(settings)).signinRedirect({ ui_locales });

/** At OIDC_CALLBACK_PATH: exchanges the code (with the PKCE verifier) at the token endpoint; the access token. */
export const completeOidcSignIn = async (settings: OidcSettings): Promise<string> =>
  (await userManagerFor(settings)).signinRedirectCallback().then((user) => user.access_token);
