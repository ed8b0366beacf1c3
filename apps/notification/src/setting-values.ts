import { z } from 'zod';

// Pieces of the notification service's environment schemas (channels, resident notices) that read a value the
// same way wherever it stands.

/** An empty value counts as unset (a blank line in .env). */
export const unsetIfEmpty = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** An optional string variable, unset when empty. */
export const optionalString = (schema: z.ZodString) => z.preprocess(unsetIfEmpty, schema.optional());

const isHttpsOrLoopbackUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (
      url.protocol === 'https:' ||
      (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    );
  } catch {
    return false;
  }
};

/** A provider's API base URL: https, or http on loopback for a test's stand-in; the provider's own when unset. */
export const providerBaseUrl = (providerDefault: string) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .refine(isHttpsOrLoopbackUrl, 'must be an https:// URL (http:// only on loopback)')
      .default(providerDefault),
  );
