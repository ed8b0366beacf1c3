import { baseServiceConfig } from '@closeloop/config';
import { z } from 'zod';

const serviceUrl = (port: number) => z.string().url().default(`http://127.0.0.1:${port}`);

/**
 * The console serves the browser application and forwards its API calls, same-origin, to the five services: the
 * browser never needs CORS, and a deployment can point each upstream at a load balancer. Its database holds the
 * one-time sign-in codes of the local stack.
 */
export const consoleConfig = baseServiceConfig
  .pick({
    DATABASE_URL: true,
    HOST: true,
    LOG_LEVEL: true,
    SHUTDOWN_TIMEOUT_MS: true,
    STAFF_TOKEN_ISSUER: true,
    STAFF_TOKEN_AUDIENCE: true,
  })
  .extend({
    PORT: z.coerce.number().int().min(1).max(65535).default(3006),
    INTAKE_URL: serviceUrl(3001),
    DISPATCH_URL: serviceUrl(3002),
    SLA_TIMER_URL: serviceUrl(3003),
    NOTIFICATION_URL: serviceUrl(3004),
    QUERY_URL: serviceUrl(3005),
  });
export type ConsoleConfig = z.infer<typeof consoleConfig>;
export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');

/** The services the console forwards to, by the path segment the browser uses: `/api/query/v1/...`. */
export const upstreamsOf = (config: ConsoleConfig): Readonly<Record<string, string>> => ({
  intake: config.INTAKE_URL,
  dispatch: config.DISPATCH_URL,
  'sla-timer': config.SLA_TIMER_URL,
  notification: config.NOTIFICATION_URL,
  query: config.QUERY_URL,
});
