import { ValidationError } from '@closeloop/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Work orders are named by UUIDs in paths; anything else names no order (404, not 400: ids are opaque). */
export const isUuid = (value: string): boolean => UUID.test(value);

/** The Idempotency-Key header, checked: 1-255 visible ASCII characters, or absent. */
export const idempotencyKeyOf = (header: string | undefined): string | undefined => {
  if (header !== undefined && !IDEMPOTENCY_KEY.test(header)) {
    throw new ValidationError('The Idempotency-Key header is not valid', [
      { path: 'header:Idempotency-Key', message: 'must be 1-255 visible ASCII characters' },
    ]);
  }
  return header;
};
