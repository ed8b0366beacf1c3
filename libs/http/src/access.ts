import { SetMetadata } from '@nestjs/common';
import { IntegratorPrincipal, StaffPrincipal, StaffRole, staffCoversSite } from '@closeloop/auth';
import { Actor, ForbiddenError, NotFoundError, StaffMemberRef, UnauthenticatedError } from '@closeloop/contracts';
import type { Request } from 'express';

export const ACCESS_RULE = 'closeloop:access-rule';

/**
 * Who may call a route: nobody needs to (health, docs, a signed ack link), integrators with an API key, and/or
 * staff holding one of these roles. A route without a rule is refused to everyone: new routes fail closed.
 */
export type AccessRule =
  { readonly public: true } | { readonly integrator?: true; readonly staff?: readonly StaffRole[] };

export const Access = (rule: AccessRule) => SetMetadata(ACCESS_RULE, rule);

export type Principal = IntegratorPrincipal | StaffPrincipal;

interface WithPrincipal {
  principal?: Principal;
}

export const attachPrincipal = (request: Request, principal: Principal): void => {
  (request as Request & WithPrincipal).principal = principal;
};

/** The caller the access guard authenticated; a route reached without one is a wiring mistake, refused as 401. */
export const principalOf = (request: Request): Principal => {
  const principal = (request as Request & WithPrincipal).principal;
  if (!principal) throw new UnauthenticatedError();
  return principal;
};

export const actorOf = (principal: Principal): Actor =>
  principal.kind === 'integrator'
    ? { kind: 'integrator', id: principal.integratorId }
    : { kind: 'staff', id: principal.staffId };

export const staffMemberOf = (principal: Principal): StaffMemberRef => {
  if (principal.kind !== 'staff') throw new ForbiddenError('Only staff may do this', 'STAFF_ONLY');
  return { staffId: principal.staffId, name: principal.name };
};

export const hasRole = (principal: Principal, ...roles: readonly StaffRole[]): boolean =>
  principal.kind === 'staff' && principal.roles.some((r) => roles.includes(r));

/** Whether the caller works for this site: an integrator's key scope, or a staff member's sites. */
export const coversSite = (principal: Principal, siteId: string): boolean =>
  principal.kind === 'integrator'
    ? principal.sites.includes('*') || principal.sites.includes(siteId)
    : staffCoversSite(principal, siteId);

/**
 * Another site's order answers as if it did not exist: a 403 would tell the caller that the id or number is real.
 */
export const ensureSiteVisible = (principal: Principal, siteId: string, what: string, id: string): void => {
  if (!coversSite(principal, siteId)) throw new NotFoundError(what, id);
};

/** For requests that name a site in their body (a new report, a schedule): the site is the caller's or it is 403. */
export const ensureSiteAllowed = (principal: Principal, siteId: string): void => {
  if (!coversSite(principal, siteId))
    throw new ForbiddenError(`Not allowed for site ${siteId}`, 'SITE_NOT_ALLOWED', { siteId });
};

/** The sites a caller may see, for filtering lists; undefined means every site. */
export const visibleSites = (principal: Principal): readonly string[] | undefined => {
  const sites = principal.sites;
  return sites.includes('*') ? undefined : sites;
};
