import { baseServiceConfig } from '@closeloop/config';
import { z } from 'zod';

const serviceUrl = (port: number) => z.string().url().default(`http://127.0.0.1:${port}`);

/**
 * The console serves the browser application and forwards its API calls, same-origin, to the five services: the
 * browser never needs CORS, and a deployment can point each upstream at a load balancer. Its database holds the
 * one-time sign-in codes of the local stack.
 *
 * Sign-in (docs/adr/0025-staff-console.md): with CONSOLE_OIDC_CLIENT_ID the browser signs in at the identity
 * provider that issues staff tokens (STAFF_TOKEN_ISSUER, by OIDC discovery); with CONSOLE_LOCAL_SIGNING_KEY_DIR,
 * which only the local stack sets, the console also exchanges the admin tool's one-time codes for tokens it signs
 * with the local key. Neither set: tokens arrive only in the fragment (`/#token=`), as scripts hand them over.
 */
export const consoleConfig = baseServiceConfig
  .pick({
    DATABASE_URL: true,
    HOST: true,
    LOG_LEVEL: true,
    LOG_FORMAT: true,
    METRICS_PORT: true,
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
    /** The folder of the local signing key (scripts/up.sh: .local/keys); unset in production, where the IdP signs. */
    CONSOLE_LOCAL_SIGNING_KEY_DIR: z.string().min(1).optional(),
    /** How long a token from a local sign-in link lasts: a working shift (8 h) unless set, 5 min to a day. */
    CONSOLE_SESSION_TTL_SECONDS: z.coerce.number().int().min(300).max(86_400).default(28_800),
    /** The console's client at the identity provider: a public client, authorization code with PKCE. */
    CONSOLE_OIDC_CLIENT_ID: z.string().min(1).optional(),
    CONSOLE_OIDC_SCOPE: z.string().min(1).default('openid profile'),
    /** The identity provider's name on the sign-in button ("Sign in with <name>"), e.g. the company's SSO. */
    CONSOLE_OIDC_PROVIDER_NAME: z.string().min(1).max(60).optional(),
  })
  .superRefine((config, context) => {
    if (config.CONSOLE_OIDC_CLIENT_ID === undefined || /^https?:\/\/[^\s]+$/.test(config.STAFF_TOKEN_ISSUER)) return;
    context.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['STAFF_TOKEN_ISSUER'],
      message:
        "must be the identity provider's URL (OIDC discovery reads <issuer>/.well-known/openid-configuration) when CONSOLE_OIDC_CLIENT_ID is set",
    });
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
