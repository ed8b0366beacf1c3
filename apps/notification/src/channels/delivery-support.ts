import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { AlertChannel } from '@closeloop/contracts';
import { DeliveryFailedError, Destination, describeDestination, OutgoingAlert } from './alert-channel.port';
import {
  hostOfUrl,
  OutboundAddressPolicy,
  OutboundAddressRefusedError,
  OutboundHostUnresolvedError,
  PUBLIC_ADDRESSES_ONLY,
} from './outbound-addresses';

/** Shared by the HTTP channels: one POST, the failure classification, and keeping secrets out of messages. */

export const DEFAULT_TIMEOUT_MS = 5_000;
/** Enough of a reply to read a robot's error code; a receiver cannot make us buffer more. */
const MAX_REPLY_BYTES = 16_384;

export type DestinationOf<C extends AlertChannel> = Extract<Destination, { channel: C }>;

/** Narrows a destination to the sender's channel; a mismatch is a routing bug, and retrying will not fix it. */
export const destinationFor = <C extends AlertChannel>(channel: C, destination: Destination): DestinationOf<C> => {
  if (destination.channel !== channel) {
    throw new DeliveryFailedError(`${channel} sender was handed a ${destination.channel} destination`, false);
  }
  return destination as DestinationOf<C>;
};

/** "<channel> to <masked destination>", the start of every failure message. */
export const deliveryLabel = (destination: Destination): string =>
  `${destination.channel} to ${describeDestination(destination)}`;

export interface HttpReply {
  readonly status: number;
  readonly body: string;
  /** The Retry-After header, as sent. */
  readonly retryAfter?: string;
}

/** Only an error's code (ECONNREFUSED, ECONNRESET…): messages can carry addresses, which we do not repeat. */
const networkCause = (error: unknown): string => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? `network error (${code})` : 'network error';
};

/** What a failed connection means for the delivery: refused addresses and unknown names fail for good. */
const connectionFailure = (
  label: string,
  error: unknown,
  timeoutMs: number,
  timedOut: boolean,
): DeliveryFailedError => {
  if (error instanceof OutboundAddressRefusedError)
    return new DeliveryFailedError(
      `${label}: the destination is or resolves to a ${error.reason} address, which alerts are not sent to`,
      false,
    );
  if (error instanceof OutboundHostUnresolvedError)
    return new DeliveryFailedError(`${label}: the host could not be resolved (${error.code})`, !error.permanent);
  if (timedOut) return new DeliveryFailedError(`${label}: no answer within ${timeoutMs} ms`, true);
  return new DeliveryFailedError(`${label}: ${networkCause(error)}`, true);
};

/**
 * POSTs once and returns the status and (the start of) the body. Redirects are not followed: a moved endpoint is a
 * configuration change to make on purpose, and following one would carry a signature or a token to another host.
 * The connection goes only to addresses the outbound rule allows, resolved and checked as it connects (see
 * OutboundAddressPolicy); one it refuses fails for good. A request that does not complete — refused, reset, no
 * answer within the timeout — is a retryable failure.
 */
export const postOnce = async (
  label: string,
  url: string | URL,
  request: { headers: Record<string, string>; body: string },
  timeoutMs: number,
  addresses: OutboundAddressPolicy,
): Promise<HttpReply> => {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new DeliveryFailedError(`${label}: the destination URL is not valid`, false);
  }
  if ((target.protocol !== 'https:' && target.protocol !== 'http:') || target.username || target.password) {
    throw new DeliveryFailedError(`${label}: the destination URL must be http(s) without credentials`, false);
  }
  const host = hostOfUrl(target);
  // An address written as such is connected to without any lookup, so it is checked here.
  if (isIP(host)) {
    try {
      await addresses.check(host);
    } catch (error) {
      throw connectionFailure(label, error, timeoutMs, false);
    }
  }
  const signal = AbortSignal.timeout(timeoutMs);
  const body = Buffer.from(request.body, 'utf8');
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpReply>((resolve, reject) => {
    const fail = (error: unknown) => reject(connectionFailure(label, error, timeoutMs, signal.aborted));
    const outgoing = send(
      target,
      {
        method: 'POST',
        headers: { 'user-agent': 'Closeloop-Alerts/1', ...request.headers, 'content-length': String(body.length) },
        agent: target.protocol === 'https:' ? addresses.httpsAgent : addresses.httpAgent,
        signal,
      },
      (response) => {
        // Enough of a reply to read a robot's error code; a receiver cannot make us buffer more.
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size >= MAX_REPLY_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_REPLY_BYTES) response.destroy();
        });
        const retryAfter = response.headers['retry-after'];
        const settle = () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, MAX_REPLY_BYTES).toString('utf8'),
            ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
          });
        response.on('end', settle);
        response.on('close', () =>
          size >= MAX_REPLY_BYTES || response.complete ? settle() : fail(new Error('the reply was cut off')),
        );
        response.on('error', (error) => (size >= MAX_REPLY_BYTES ? settle() : fail(error)));
      },
    );
    outgoing.on('error', fail);
    outgoing.end(body);
  });
};

/** What every channel that POSTs to a URL is built with. */
export interface HttpChannelOptions {
  timeoutMs?: number;
  /** Which addresses alerts may go to; public ones only unless OUTBOUND_ALLOW_PRIVATE_ADDRESSES says otherwise. */
  addresses?: OutboundAddressPolicy;
}

/** ...and what a channel that signs its requests with the time is built with. */
export interface SigningChannelOptions extends HttpChannelOptions {
  /** The clock for the signature's timestamp. */
  now: () => Date;
}

/** A channel that POSTs JSON once per attempt, within its timeout and to addresses the outbound rule allows. */
export abstract class JsonPostingChannel {
  private readonly timeoutMs: number;
  private readonly addresses: OutboundAddressPolicy;

  constructor(options: HttpChannelOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.addresses = options.addresses ?? PUBLIC_ADDRESSES_ONLY;
  }

  protected postJson(
    label: string,
    url: string | URL,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<HttpReply> {
    return postOnce(
      label,
      url,
      { headers: { 'content-type': 'application/json', ...headers }, body },
      this.timeoutMs,
      this.addresses,
    );
  }
}

/** A JSON-posting channel whose requests carry a signature over the time of the attempt. */
export abstract class SigningJsonPostingChannel extends JsonPostingChannel {
  protected readonly now: () => Date;

  constructor(options: SigningChannelOptions) {
    super(options);
    this.now = options.now;
  }
}

/** Whether an HTTP status is worth another try: the receiver is busy or throttling, not refusing this request. */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 425 || status === 429 || status >= 500;

/**
 * The failure an HTTP status means, or undefined for 2xx. 3xx fails for good (the URL has to be updated, as the
 * Standard Webhooks spec advises); 410 Gone says the receiver wants no more; other 4xx will not change on retry.
 */
export const statusFailure = (
  label: string,
  status: number,
  detail?: string,
  retryAfterMs?: number,
): DeliveryFailedError | undefined => {
  if (status >= 200 && status < 300) return undefined;
  const suffix = detail ? ` (${detail})` : '';
  if (status >= 300 && status < 400)
    return new DeliveryFailedError(`${label}: HTTP ${status}, a redirect, which is not followed${suffix}`, false);
  const retryable = isRetryableStatus(status);
  return new DeliveryFailedError(`${label}: HTTP ${status}${suffix}`, retryable, retryable ? retryAfterMs : undefined);
};

// ── Robots (WeCom, DingTalk, Feishu) ────────────────────────────────────────────────────────────────────
// Chat robots answer HTTP 200 with an error code in the body, so a 200 is not yet a delivery.

export interface RobotVerdict {
  readonly code: number;
  readonly message: string;
}

/** Anything in the URL or the signing secret that could be a credential, to blank out of echoed messages. */
export const credentialsOf = (url: string, secret?: string): string[] => {
  const found: string[] = secret ? [secret] : [];
  try {
    const parsed = new URL(url);
    for (const value of parsed.searchParams.values()) if (value.length >= 6) found.push(value);
    for (const segment of parsed.pathname.split('/')) if (segment.length >= 16) found.push(segment);
  } catch {
    // an unparsable URL never got as far as a request
  }
  return found;
};

/** A platform's own error message, shortened, one line, with any credential it might echo blanked out. */
export const sanitizeEcho = (text: string, credentials: readonly string[]): string => {
  let clean = text.replace(/\s+/g, ' ').trim();
  for (const credential of credentials) clean = clean.split(credential).join('***');
  return clean.length > 160 ? `${clean.slice(0, 157)}...` : clean;
};

/**
 * Settles a robot's reply. An error code in the body decides, whatever the status (Feishu answers rate limits with
 * HTTP 400 and code 11232): retryable only for the platform's rate-limit and busy codes, or a 429/5xx status.
 * Without a code the status decides, and a 2xx that carries no code at all cannot be confirmed as delivered.
 */
export const settleRobotReply = (
  label: string,
  reply: HttpReply,
  read: (body: unknown) => RobotVerdict | undefined,
  retryableCodes: ReadonlySet<number>,
  credentials: readonly string[],
): void => {
  let verdict: RobotVerdict | undefined;
  try {
    verdict = read(JSON.parse(reply.body));
  } catch {
    verdict = undefined;
  }
  if (verdict && verdict.code !== 0) {
    const echo = verdict.message ? ` ${sanitizeEcho(verdict.message, credentials)}` : '';
    const status = reply.status === 200 ? '' : `, HTTP ${reply.status}`;
    throw new DeliveryFailedError(
      `${label}: error ${verdict.code}${echo}${status}`,
      retryableCodes.has(verdict.code) || isRetryableStatus(reply.status),
    );
  }
  const failure = statusFailure(label, reply.status);
  if (failure) throw failure;
  if (!verdict) throw new DeliveryFailedError(`${label}: HTTP ${reply.status} without the robot's result code`, false);
};

/** Reads `{<codeKey>: number, <messageKey>: string}` from a robot's JSON reply. */
export const robotVerdict =
  (codeKey: string, messageKey: string) =>
  (body: unknown): RobotVerdict | undefined => {
    if (typeof body !== 'object' || body === null) return undefined;
    const record = body as Record<string, unknown>;
    const code = record[codeKey];
    if (typeof code !== 'number') return undefined;
    const message = record[messageKey];
    return { code, message: typeof message === 'string' ? message : '' };
  };

// ── Text shaping ────────────────────────────────────────────────────────────────────────────────────────

/** The plain text, led by the title unless the text already starts with it (chat and SMS show no subject line). */
export const textWithTitle = (alert: Pick<OutgoingAlert, 'title' | 'text'>): string =>
  alert.text.startsWith(alert.title) ? alert.text : `${alert.title}\n${alert.text}`;

/** At most `max` characters (code points, so no emoji or CJK character is cut in half), "…" marking a cut. */
export const truncateChars = (text: string, max: number): string => {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
};

/** At most `maxBytes` of UTF-8, cut on a character boundary, "…" marking a cut. */
export const truncateUtf8 = (text: string, maxBytes: number): string => {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength('…', 'utf8');
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (used + size > budget) break;
    out += char;
    used += size;
  }
  return `${out}…`;
};
