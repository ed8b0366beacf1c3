import {
  FieldIssue,
  ForbiddenError,
  IdentifierSchema,
  isEventType,
  ValidationError,
  workOrderEvents,
} from '@closeloop/contracts';
import { z } from 'zod';

/**
 * What an integrator may subscribe to (docs/adr/0030): the work-order events of the sites its key covers. SLA and
 * alert events are the desk's own business (who is paged, which level, which clock), so asking for one is outside
 * the key's scope, a 403, as another site is; a type that is no event at all is a 422.
 */
export const WORK_ORDER_EVENT_TYPES: readonly string[] = Object.values(workOrderEvents.types);

export const EVERY = '*';

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !!url.hostname && !url.username && !url.password;
  } catch {
    return false;
  }
};

export const SubscriptionRequestSchema = z
  .object({
    url: z.string().trim().max(2048).refine(isHttpUrl, 'must be an https:// or http:// URL without user or password'),
    eventTypes: z
      .array(z.string().min(1).max(256))
      .min(1)
      .max(WORK_ORDER_EVENT_TYPES.length + 1),
    sites: z
      .array(z.union([z.literal(EVERY), IdentifierSchema]))
      .min(1)
      .max(100),
  })
  .strict();
export type SubscriptionRequest = z.infer<typeof SubscriptionRequestSchema>;

export interface IntegratorScopeOfKey {
  readonly integratorId: string;
  readonly sites: readonly string[];
}

const covers = (sites: readonly string[], site: string): boolean => sites.includes(EVERY) || sites.includes(site);

/** Throws the 422 or 403 a subscription request deserves, naming each type or site at fault. */
export const assertSubscribable = (key: IntegratorScopeOfKey, request: SubscriptionRequest): void => {
  const unknown: FieldIssue[] = [];
  request.eventTypes.forEach((type, i) => {
    if (type !== EVERY && !WORK_ORDER_EVENT_TYPES.includes(type) && !isEventType(type))
      unknown.push({ path: `eventTypes.${i}`, message: 'is not a work-order event type' });
  });
  if (unknown.length > 0) throw new ValidationError('The subscription names an unknown event type', unknown);
  const notOurs = request.eventTypes.find((type) => type !== EVERY && !WORK_ORDER_EVENT_TYPES.includes(type));
  if (notOurs)
    throw new ForbiddenError(`Integrators follow work-order events; ${notOurs} is not one`, 'EVENT_TYPE_NOT_ALLOWED', {
      eventType: notOurs,
    });
  const site = request.sites.find((s) => (s === EVERY ? !key.sites.includes(EVERY) : !covers(key.sites, s)));
  if (site)
    throw new ForbiddenError(`Integrator ${key.integratorId} may not follow site ${site}`, 'SITE_NOT_ALLOWED', {
      siteId: site,
    });
};

/**
 * Whether an event goes to a subscription: its type and site asked for, and the site still within the integrator's
 * scope now (a key's sites can be narrowed after the subscription was made).
 */
export const subscriptionWants = (
  subscription: { readonly sites: readonly string[]; readonly eventTypes: readonly string[] },
  integratorSites: readonly string[],
  siteId: string,
  eventType: string,
): boolean =>
  covers(subscription.sites, siteId) &&
  covers(integratorSites, siteId) &&
  (subscription.eventTypes.includes(EVERY) || subscription.eventTypes.includes(eventType));
