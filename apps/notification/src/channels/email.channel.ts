import { createTransport } from 'nodemailer';
import { AlertChannelSender, DeliveryFailedError, Destination, OutgoingAlert } from './alert-channel.port';
import { DEFAULT_TIMEOUT_MS, deliveryLabel, destinationFor } from './delivery-support';

export interface SmtpOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  pass?: string;
  /** "Closeloop Alerts <alerts@example.com>" or a bare address. */
  from: string;
}

/** Codes nodemailer (or the socket under it) gives a connection that broke or never came up: worth another try. */
const RETRYABLE_CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * The failure an SMTP error means. A reply code decides when there is one: 4yz is transient (greylisting, a full
 * mailbox, 451 local error), 5yz permanent (550 no such user, 535 bad credentials) — RFC 5321 §4.2.1. Without one,
 * a connection that broke or timed out is retryable and anything else (configuration, a malformed message) is not.
 * The server's text is not repeated: it often quotes the recipient's address; the enhanced status (5.1.1) is.
 */
export const smtpFailure = (label: string, error: unknown): DeliveryFailedError => {
  const { responseCode, code, response } = error as { responseCode?: unknown; code?: unknown; response?: unknown };
  const errorCode = typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : undefined;
  if (typeof responseCode === 'number') {
    const enhanced =
      typeof response === 'string' ? /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(response)?.[1] : undefined;
    const detail = [enhanced, errorCode].filter(Boolean).join(', ');
    return new DeliveryFailedError(
      `${label}: SMTP ${responseCode}${detail ? ` (${detail})` : ''}`,
      responseCode >= 400 && responseCode < 500,
    );
  }
  const originalCode = (error as { originalCode?: unknown }).originalCode;
  const retryable = [errorCode, originalCode].some((c) => typeof c === 'string' && RETRYABLE_CONNECTION_CODES.has(c));
  return new DeliveryFailedError(
    `${label}: SMTP ${errorCode ?? 'error'}${retryable ? ', connection failed' : ''}`,
    retryable,
  );
};

const domainOf = (from: string): string => /@([^\s>]+)/.exec(from)?.[1] ?? 'closeloop.invalid';

/**
 * E-mail over SMTP: the title is the subject, text and html the two alternatives. The Message-ID is derived from
 * the alert id, so every retry of one alert is the same message to mail clients that collapse duplicates.
 */
export class EmailChannel implements AlertChannelSender {
  readonly channel = 'email' as const;
  private readonly transport: ReturnType<typeof createTransport>;
  private readonly messageIdDomain: string;

  constructor(
    private readonly smtp: SmtpOptions,
    options: { timeoutMs?: number } = {},
  ) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    });
    this.messageIdDomain = domainOf(smtp.from);
  }

  async send(destination: Destination, alert: OutgoingAlert): Promise<void> {
    const target = destinationFor('email', destination);
    const label = deliveryLabel(target);
    try {
      await this.transport.sendMail({
        from: this.smtp.from,
        to: { name: '', address: target.address },
        subject: alert.title,
        text: alert.text,
        html: alert.html,
        messageId: `<alert-${alert.alertId}@${this.messageIdDomain}>`,
        headers: { 'X-Closeloop-Alert-Id': alert.alertId },
      });
    } catch (error) {
      throw smtpFailure(label, error);
    }
  }

  close(): void {
    this.transport.close();
  }
}
