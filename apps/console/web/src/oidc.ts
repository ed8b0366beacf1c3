// Sign-in at the identity provider that issues staff tokens (STAFF_TOKEN_ISSUER): OpenID Connect, authorization
// code with PKCE, run in the browser by oidc-client-ts (docs/adr/0025-staff-console.md). The console is a public
// client: no secret, the PKCE verifier proves that the tab that started the sign-in is the one that finishes it.
// The access token goes to session.ts like any other staff token; oidc-client-ts keeps nothing after the round trip.
import type { UserManager } from 'oidc-client-ts';

export interface OidcSettings {
  readonly authority: string;
  readonly clientId: string;
  readonly scope: string;
  /** The name on the button ("Sign in with …"); the page's own words when the deployment gives none. */
  readonly providerName?: string;
}

/** /config.json: what the console's server says about signing in. */
export interface SignInSettings {
  /** Whether the server exchanges the local stack's sign-in codes. */
  readonly localSignIn: boolean;
  readonly oidc?: OidcSettings;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

const httpUrl = (value: unknown): string | undefined => {
  const candidate = text(value);
  if (candidate === undefined) return undefined;
  try {
    const url = new URL(candidate);
    return url.protocol === 'https:' || url.protocol === 'http:' ? candidate : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The sign-in settings in /config.json. An OIDC block missing its authority (an http(s) URL) or client id is left
 * out, so the page never offers a button that cannot work; the scope always asks for `openid`.
 */
export const signInSettingsOf = (json: unknown): SignInSettings => {
  const settings = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const oidc = (settings['oidc'] && typeof settings['oidc'] === 'object' ? settings['oidc'] : {}) as Record<
    string,
    unknown
  >;
  const authority = httpUrl(oidc['authority']);
  const clientId = text(oidc['clientId']);
  const scopes = new Set(['openid', ...(text(oidc['scope']) ?? '').split(/\s+/).filter(Boolean)]);
  const providerName = text(oidc['providerName']);
  return {
    localSignIn: settings['localSignIn'] === true,
    ...(authority && clientId
      ? { oidc: { authority, clientId, scope: [...scopes].join(' '), ...(providerName ? { providerName } : {}) } }
      : {}),
  };
};

export const fetchSignInSettings = async (): Promise<SignInSettings> => {
  const response = await fetch('/config.json', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  return signInSettingsOf(await response.json());
};

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
