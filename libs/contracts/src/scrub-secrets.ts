import { maskPhone } from './phone';

// ── Scrubbing secrets and phone numbers out of log text ───────────────────────────────────────────────────
// Logs are read by more people, kept longer and copied further than the database: nothing that authenticates
// (API keys, tokens, passwords, webhook secrets) and no resident's full phone number may reach them. This lives in
// contracts because every library that logs (messaging, http, runtime, auth) already depends on it, and because
// the formats it knows are ours: integrator keys `clk_<keyId>_<secret>`, Standard Webhooks `whsec_…`, work-order
// numbers such as S1-20261123-0001. It errs towards masking: a long reference number is masked too.

const MASK = '***';

/** Parameter and field names whose values are credentials: password, client_secret, access_token, x-api-key, apiKey… */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'key',
  'apikey',
  'credential',
  'credentials',
]);
/** Names that end in "key" or "token" but carry nothing secret, and help when reading a log. */
const NOT_SECRET = new Set([
  'idempotency-key',
  'idempotency_key',
  'idempotencykey',
  'partition-key',
  'partition_key',
  'partitionkey',
]);

/** Whether a query, form or JSON field of this name holds a credential, judged by its last word. */
export const isSecretFieldName = (name: string): boolean => {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_.-]+/)
    .filter(Boolean);
  if (NOT_SECRET.has(name.toLowerCase())) return false;
  const last = words[words.length - 1];
  return last !== undefined && SECRET_WORDS.has(last);
};

/** A word after "Bearer"/"Basic" in prose ("the bearer token has expired") is not a credential. */
const isProseWord = (value: string): boolean => /^[A-Za-z][a-z]{0,18}$/.test(value);

const credentialRules: readonly ((text: string) => string)[] = [
  // Authorization schemes: whatever follows is the credential.
  (text) =>
    text.replace(/\b(Bearer|Basic)\s+([^\s"',;)}\]]+)/gi, (whole, scheme: string, value: string) =>
      isProseWord(value) ? whole : `${scheme} ${MASK}`,
    ),
  // Signed tokens: JWTs (JWS, JWE) and our ack-link tokens are base64url JSON ("eyJ…") and dot-separated parts.
  (text) => text.replace(/\beyJ[\w-]+(?:\.[\w-]*){1,4}/g, `eyJ${MASK}`),
  // Integrator API keys keep their key id, which names the key without being able to use it.
  (text) =>
    text.replace(
      /\bclk_(?!(?:[A-Za-z0-9]{1,64}_)?\*)(?:([A-Za-z0-9]{1,64})_)?[\w-]+/g,
      (_whole, keyId: string | undefined) => (keyId ? `clk_${keyId}_${MASK}` : `clk_${MASK}`),
    ),
  (text) => text.replace(/\bwhsec_[A-Za-z0-9+/=_-]+/g, `whsec_${MASK}`),
  // Residents' status-link tokens in a path (/r/<token>, /v1/resident/orders/<token>/…): each opens an order.
  (text) => text.replace(/(\/(?:resident\/orders|r)\/)[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, `$1${MASK}`),
  // The caller lookup names the phone in its path (GET /v1/callers/{phone}), encoded or spaced in any way.
  (text) => text.replace(/(\/v1\/callers\/)[^\s/?#"'<>]+/g, `$1${MASK}`),
  // user:password@ in connection URLs (postgres://closeloop:…@db:5432/closeloop).
  (text) => text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/@]+@/gi, `$1${MASK}@`),
  (text) => text.replace(/\b((?:set-)?cookie)(["']?\s*[:=]\s*)([^\r\n"]+)/gi, `$1$2${MASK}`),
  // name=value in queries and forms; "name": "value" and name: 'value' in JSON and util.inspect output.
  (text) =>
    text.replace(
      /(?<![\w.-])(["']?)([A-Za-z][\w.-]*)\1(\s*)(=|:)(\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^&\s"',;#)}\]]+)/g,
      (whole, quote: string, name: string, before: string, sign: string, after: string, value: string) => {
        // A value masked by a rule above keeps what that rule kept (clk_<keyId>_***).
        if (!isSecretFieldName(name) || value.includes(MASK)) return whole;
        const quoted = /^["']/.test(value);
        // "token: expired" is prose; only a quoted value after a colon is a field.
        if (sign === ':' && !quoted) return whole;
        const masked = quoted ? `${value[0]}${MASK}${value[0]}` : MASK;
        return `${quote}${name}${quote}${before}${sign}${after}${masked}`;
      },
    ),
];

// ── Phone numbers ─────────────────────────────────────────────────────────────────────────────────────────
// Any run of 7 or more digits, optionally after +country, with single spaces or dashes between groups of 3 or more
// (138 1234 5678, 010-12345678, +86 10 1234 5678), keeps only its last four digits; a mainland mobile keeps its
// carrier prefix as well, as Chinese apps show it (138****5678). Left alone: UUIDs, ISO dates and times, numbers
// with a unit (1800000 ms), Kafka offsets (topic[0]@1234567) and digits that belong to an identifier — glued to a
// letter or joined to one by a dash, such as the work-order number S1-20261123-0001 or a hex digest.

const KEPT = [
  '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}',
  '(?:19|20)\\d\\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?(?:Z|[+-]\\d{2}(?::?\\d{2})?)?)?(?!\\d)',
  // A unit spelled out, or "s" written against the number; a lone letter after a space (a B 栋 building) is no unit.
  '\\d+(?:\\s?(?:ns|µs|us|ms|secs?|seconds?|mins?|minutes?|hours?|bytes?|KB|kB|KiB|MB|MiB|GB|GiB)|s)(?=$|[\\s.,;:)\\]}"\'])',
  '\\]@\\d+',
].join('|');
const PHONE_LIKE = '(?<![\\w.+]|[\\w.]-)(?:\\+\\d{1,3}[ -]?)?\\d{2,}(?:[ -]\\d{3,})*(?![\\w]|\\.\\d|-[A-Za-z0-9])';
const DIGIT_RUNS = new RegExp(`(?:${KEPT})|(${PHONE_LIKE})`, 'g');

// Shorter runs are counts, ports and codes, not phone numbers.
const maskDigits = (run: string): string => (run.replace(/\D/g, '').length < 7 ? run : maskPhone(run));

/**
 * Log text with credentials replaced by `***` (keeping what names them: `clk_<keyId>_***`, `Bearer ***`,
 * `password=***`) and phone-number-like digit runs cut to their last four digits. Safe to apply twice.
 */
export const scrubSecrets = (text: string): string => {
  const withoutCredentials = credentialRules.reduce((current, rule) => rule(current), text);
  return withoutCredentials.replace(DIGIT_RUNS, (whole, phone: string | undefined) =>
    phone === undefined ? whole : maskDigits(phone),
  );
};
