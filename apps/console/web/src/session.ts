// Who is signed in, in this tab. A token arrives in the URL fragment (`/#token=<jwt>`, never sent to a server) or
// from a sign-in flow, is kept in sessionStorage (this tab only, gone when it closes) and removed from the address
// bar at once. The token is not verified here: the services verify it on every call; the console only reads its
// claims to decide what to show.
import { useSyncExternalStore } from 'react';

export const StaffRoles = ['dispatcher', 'technician', 'supervisor', 'on-call', 'admin'] as const;
export type StaffRole = (typeof StaffRoles)[number];

export interface StaffSession {
  readonly token: string;
  readonly staffId: string;
  readonly name: string;
  readonly roles: readonly StaffRole[];
  /** The sites this person works for; '*' means every site. */
  readonly sites: readonly string[];
  readonly expiresAt: Date;
}

const STORAGE_KEY = 'closeloop.staff-token';
const listeners = new Set<() => void>();
let current: StaffSession | undefined;

const base64UrlJson = (part: string): Record<string, unknown> => {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
};

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];

/** The session a JWT describes, or undefined when it is not a readable, unexpired staff token. */
export const sessionOf = (token: string, now: Date): StaffSession | undefined => {
  try {
    const claims = base64UrlJson(token.split('.')[1] ?? '');
    const realmRoles = (claims['realm_access'] as { roles?: unknown } | undefined)?.roles;
    const roles = [...new Set([...strings(claims['roles']), ...strings(realmRoles)])].filter((r): r is StaffRole =>
      (StaffRoles as readonly string[]).includes(r),
    );
    const staffId = typeof claims['sub'] === 'string' ? claims['sub'] : '';
    const expiresAt = new Date(Number(claims['exp']) * 1000);
    if (staffId === '' || !(expiresAt > now)) return undefined;
    const name = [claims['name'], claims['preferred_username']].find((v) => typeof v === 'string' && v !== '');
    return {
      token,
      staffId,
      name: (name as string | undefined) ?? staffId,
      roles,
      sites: strings(claims['sites']),
      expiresAt,
    };
  } catch {
    return undefined;
  }
};

const publish = (session: StaffSession | undefined) => {
  current = session;
  if (session) sessionStorage.setItem(STORAGE_KEY, session.token);
  else sessionStorage.removeItem(STORAGE_KEY);
  listeners.forEach((listener) => listener());
};

/** A credential handed over in the fragment (`#<name>=...`), removed from the address bar at once; null if none. */
export const takeFromFragment = (name: string): string | null => {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const handed = fragment.get(name);
  if (handed !== null) {
    fragment.delete(name);
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  }
  return handed;
};

/** Reads a token handed over in the fragment, else the tab's stored one; clears the fragment from the address bar. */
export const restoreSession = (): void => {
  const handed = takeFromFragment('token');
  const token = handed ?? sessionStorage.getItem(STORAGE_KEY);
  publish(token ? sessionOf(token, new Date()) : undefined);
};

export const signIn = (token: string): StaffSession | undefined => {
  const session = sessionOf(token, new Date());
  publish(session);
  return session;
};

export const signOut = (): void => publish(undefined);

export const currentSession = (): StaffSession | undefined =>
  current && current.expiresAt > new Date() ? current : undefined;

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export const useSession = (): StaffSession | undefined => useSyncExternalStore(subscribe, () => current);

export const hasRole = (session: StaffSession | undefined, ...roles: StaffRole[]): boolean =>
  !!session && session.roles.some((role) => roles.includes(role));
