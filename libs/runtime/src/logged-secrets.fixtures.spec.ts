// What the logger specs log and expect back: the secrets both loggers must mask, and an object message with them.
export const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ6aGFvbGVpIn0.c2lnbmF0dXJl';
export const apiKey = 'clk_0a1b2c3d4e5f_Qm9ndXNTZWNyZXRfZm9yX3Rlc3RzX29ubHlfNDNjaGFycw';

/** An object logged as a message: a phone number, credentials in headers and fields, a webhook secret. */
export const objectMessage = {
  event: 'delivered',
  to: '+86 138 1234 5678',
  attempts: 2,
  headers: { authorization: `Bearer ${jwt}`, 'x-api-key': apiKey },
  secrets: ['whsec_abc'],
  apiKey: 'k',
};

/** objectMessage as it must be written: still structured, its strings scrubbed and credential fields masked. */
export const scrubbedObjectMessage = {
  event: 'delivered',
  to: '138****5678',
  attempts: 2,
  headers: { authorization: 'Bearer ***', 'x-api-key': '***' },
  secrets: ['whsec_***'],
  apiKey: '***',
};
