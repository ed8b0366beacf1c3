import { ConfigError, loadConfig } from '@closeloop/config';
import type { AlertChannel } from '@closeloop/contracts';
import { z } from 'zod';
import { optionalString, providerBaseUrl, unsetIfEmpty } from '../setting-values';
import { AlertChannelSender } from './alert-channel.port';
import { DingTalkChannel } from './dingtalk.channel';
import { EmailChannel, SmtpOptions } from './email.channel';
import { FeishuChannel } from './feishu.channel';
import { ANY_ADDRESS, OutboundAddressPolicy, PUBLIC_ADDRESSES_ONLY } from './outbound-addresses';
import { SlackChannel } from './slack.channel';
import { SmsChannel, TwilioOptions } from './sms.channel';
import { WebhookChannel } from './webhook.channel';
import { WeComChannel } from './wecom.channel';

export interface ChannelConfig {
  /** How long one delivery attempt may take before it counts as a retryable failure. */
  timeoutMs: number;
  /** Absent: no e-mail channel. */
  smtp?: SmtpOptions;
  /** Absent: no SMS channel. */
  sms?: TwilioOptions;
  /** Which addresses HTTP channels may reach; public ones only when absent (OUTBOUND_ALLOW_PRIVATE_ADDRESSES). */
  addresses?: OutboundAddressPolicy;
}

/**
 * The senders this deployment can use. Webhook and chat-robot channels need nothing but the destination, so they
 * are always there; e-mail and SMS need a provider account and exist only when one is configured — an alert for
 * a person who watches only SMS then fails visibly as "no sender" instead of silently going nowhere.
 *
 * Takes either the structured ChannelConfig or the parsed environment (a service config merged with
 * ChannelConfigSchema); the latter is checked for half-configured providers first, which throws a ConfigError.
 */
export const createChannelSenders = (
  config: ChannelConfig | ChannelEnvironment,
  now: () => Date,
): Map<AlertChannel, AlertChannelSender> => {
  const channels = 'ALERT_DELIVERY_TIMEOUT_MS' in config ? channelConfigFromEnvironment(config) : config;
  const { timeoutMs } = channels;
  const addresses = channels.addresses ?? PUBLIC_ADDRESSES_ONLY;
  const senders: AlertChannelSender[] = [
    new WebhookChannel({ now, timeoutMs, addresses }),
    new WeComChannel({ timeoutMs, addresses }),
    new DingTalkChannel({ now, timeoutMs, addresses }),
    new FeishuChannel({ now, timeoutMs, addresses }),
    new SlackChannel({ timeoutMs, addresses }),
  ];
  // The SMTP server is the operator's own, named in configuration, not a destination staff choose.
  if (channels.smtp) senders.push(new EmailChannel(channels.smtp, { timeoutMs }));
  if (channels.sms) senders.push(new SmsChannel(channels.sms, { timeoutMs, addresses }));
  return new Map(senders.map((sender) => [sender.channel, sender]));
};

// ── Configuration ───────────────────────────────────────────────────────────────────────────────────────
// ChannelConfigSchema checks each variable and stays a plain object schema, so a service merges it into its own
// (baseServiceConfig.merge(ChannelConfigSchema)). Whether a provider is wholly configured spans several variables;
// channelConfigFromEnvironment checks that: each provider is all or nothing, and setting some of its variables but
// not others stops the service, naming what is missing. An empty value counts as unset (a blank line in .env).
// No message repeats a value.

export const ChannelConfigSchema = z.object({
  /**
   * true lets alerts go to loopback, private, link-local and other non-public addresses: for local development
   * and tests only, whose receivers listen on 127.0.0.1. Default false: a destination that is or resolves to such
   * an address is refused when saved and when sent to (docs/operations.md, "Outbound addresses").
   */
  OUTBOUND_ALLOW_PRIVATE_ADDRESSES: z.preprocess(
    unsetIfEmpty,
    z
      .enum(['true', 'false'], { message: "must be 'true' or 'false'" })
      .default('false')
      .transform((value) => value === 'true'),
  ),
  /** How long one delivery attempt may take (100 ms to 60 s, default 5 s). */
  ALERT_DELIVERY_TIMEOUT_MS: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(100).max(60_000).default(5_000)),
  SMTP_HOST: optionalString(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, 'must be a host name or address'),
  ),
  SMTP_PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).max(65_535).optional()),
  /** true: TLS from the first byte (port 465); false: STARTTLS when offered. Unset: true exactly for port 465. */
  SMTP_SECURE: z.preprocess(unsetIfEmpty, z.enum(['true', 'false']).optional()),
  SMTP_USER: optionalString(z.string()),
  SMTP_PASS: optionalString(z.string()),
  SMTP_FROM: optionalString(
    z
      .string()
      .trim()
      .regex(/^[^<>@\s]+@[^<>@\s]+$|^[^<>]*<[^<>@\s]+@[^<>@\s]+>$/, 'must be an address or "Name <address>"'),
  ),
  SMS_TWILIO_BASE_URL: providerBaseUrl('https://api.twilio.com'),
  SMS_TWILIO_ACCOUNT_SID: optionalString(
    z
      .string()
      .trim()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID ("AC" and 32 hex digits)'),
  ),
  SMS_TWILIO_AUTH_TOKEN: optionalString(z.string().trim().min(16, 'looks too short for a Twilio auth token')),
  SMS_TWILIO_FROM: optionalString(
    z
      .string()
      .trim()
      .regex(
        /^\+[1-9]\d{6,14}$|^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/,
        'must be an E.164 number (+14155550100) or an alphanumeric sender id',
      ),
  ),
});
export type ChannelEnvironment = z.infer<typeof ChannelConfigSchema>;

const SMTP_KEYS = ['SMTP_HOST', 'SMTP_PORT', 'SMTP_SECURE', 'SMTP_USER', 'SMTP_PASS', 'SMTP_FROM'] as const;
// The Twilio base URL has a default, so it alone does not switch SMS on.
const TWILIO_KEYS = ['SMS_TWILIO_ACCOUNT_SID', 'SMS_TWILIO_AUTH_TOKEN', 'SMS_TWILIO_FROM'] as const;

interface Problem {
  readonly key: keyof ChannelEnvironment;
  readonly message: string;
}

const missingWhenAnySet = (
  env: ChannelEnvironment,
  group: readonly (keyof ChannelEnvironment)[],
  required: readonly (keyof ChannelEnvironment)[],
  purpose: string,
): Problem[] => {
  const set = group.filter((key) => env[key] !== undefined);
  if (set.length === 0) return [];
  return required
    .filter((key) => env[key] === undefined)
    .map((key) => ({
      key,
      message: `is required for ${purpose} (${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set)`,
    }));
};

const channelProblems = (env: ChannelEnvironment): Problem[] => {
  const problems = [
    ...missingWhenAnySet(env, SMTP_KEYS, ['SMTP_HOST', 'SMTP_PORT', 'SMTP_FROM'], 'e-mail alerts'),
    ...missingWhenAnySet(env, TWILIO_KEYS, TWILIO_KEYS, 'SMS alerts'),
  ];
  if ((env.SMTP_USER === undefined) !== (env.SMTP_PASS === undefined)) {
    problems.push({
      key: env.SMTP_USER === undefined ? 'SMTP_USER' : 'SMTP_PASS',
      message: 'SMTP_USER and SMTP_PASS go together (both for authenticated SMTP, or neither)',
    });
  }
  return problems;
};

/**
 * The cross-variable checks as a zod refinement, for a service schema that merges ChannelConfigSchema, so a
 * half-configured provider fails with the other configuration errors: `schema.superRefine(refineChannelEnvironment)`.
 */
export const refineChannelEnvironment = (env: ChannelEnvironment, ctx: z.RefinementCtx): void => {
  for (const { key, message } of channelProblems(env))
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message });
};

/** The delivery settings from a parsed environment; a half-configured provider throws a ConfigError naming it. */
export const channelConfigFromEnvironment = (env: ChannelEnvironment): ChannelConfig => {
  const problems = channelProblems(env);
  if (problems.length > 0) throw new ConfigError(problems.map(({ key, message }) => `${key}: ${message}`));

  const config: ChannelConfig = { timeoutMs: env.ALERT_DELIVERY_TIMEOUT_MS, addresses: outboundAddressesOf(env) };
  if (env.SMTP_HOST && env.SMTP_PORT && env.SMTP_FROM) {
    config.smtp = {
      host: env.SMTP_HOST,
      port: env.SMTP_PORT,
      secure: env.SMTP_SECURE === undefined ? env.SMTP_PORT === 465 : env.SMTP_SECURE === 'true',
      from: env.SMTP_FROM,
      ...(env.SMTP_USER !== undefined && env.SMTP_PASS !== undefined
        ? { user: env.SMTP_USER, pass: env.SMTP_PASS }
        : {}),
    };
  }
  if (env.SMS_TWILIO_ACCOUNT_SID && env.SMS_TWILIO_AUTH_TOKEN && env.SMS_TWILIO_FROM) {
    config.sms = {
      baseUrl: env.SMS_TWILIO_BASE_URL,
      accountSid: env.SMS_TWILIO_ACCOUNT_SID,
      authToken: env.SMS_TWILIO_AUTH_TOKEN,
      from: env.SMS_TWILIO_FROM,
    };
  }
  return config;
};

/** The outbound address rule the environment asks for. */
export const outboundAddressesOf = (
  env: Pick<ChannelEnvironment, 'OUTBOUND_ALLOW_PRIVATE_ADDRESSES'>,
): OutboundAddressPolicy => (env.OUTBOUND_ALLOW_PRIVATE_ADDRESSES ? ANY_ADDRESS : PUBLIC_ADDRESSES_ONLY);

/** Reads and checks the delivery settings from the environment; anything wrong stops start-up with a ConfigError. */
export const loadChannelConfig = (env: NodeJS.ProcessEnv = process.env): ChannelConfig =>
  channelConfigFromEnvironment(loadConfig(ChannelConfigSchema, env));
