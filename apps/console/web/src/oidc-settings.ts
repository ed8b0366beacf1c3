// What the console's server says about signing in (/config.json), read defensively: a half-configured identity
// provider is left out rather than offered as a button that cannot work. Pure, so it is unit-tested; oidc.ts runs
// the sign-in itself.
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
