import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { isSecretFieldName, scrubSecrets } from '@closeloop/contracts';
import { inspect } from 'node:util';

// scrubSecrets lives in contracts, which every library that logs already imports; it is offered here as well, beside
// the logger that applies it.
export { scrubSecrets } from '@closeloop/contracts';

const ANSI_COLOURS = /\x1b\[[0-9;]*m/g;

/** A value for a JSON log line with every string scrubbed and every credential-named field masked. */
export const scrubbedValue = (value: unknown, seen: WeakSet<object> = new WeakSet()): unknown => {
  if (typeof value === 'string') return scrubSecrets(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    const scrubbed = scrubSecrets(text);
    return scrubbed === text ? value : scrubbed;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrubbedValue(item, seen));
  if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        isSecretFieldName(key) && item !== undefined && item !== null ? '***' : scrubbedValue(item, seen),
      ]),
    );
  }
  // Errors, Maps, class instances: their text, as Nest would print it.
  return scrubSecrets(inspect(value, { depth: 5, breakLength: Infinity }));
};

/**
 * Nest's console logger with every message and stack passed through scrubSecrets on the way out, so no credential
 * and no full phone number reaches a log, whoever wrote the log line. Text and JSON output both; the timestamp,
 * pid and context it adds itself are left as they are.
 */
export class ScrubbingLogger extends ConsoleLogger {
  protected override stringifyMessage(message: unknown, logLevel: LogLevel): string {
    // Strings are scrubbed before they are coloured, since an escape code glued to a number hides it from the
    // scrubber; a lazy message (a function) comes back through here with its value.
    if (typeof message === 'string') return super.stringifyMessage(scrubSecrets(message), logLevel) as string;
    if (typeof message === 'function') return super.stringifyMessage(message, logLevel) as string;
    // Objects are printed by util.inspect, coloured value by value: uncoloured, then scrubbed.
    return scrubSecrets(String(super.stringifyMessage(message, logLevel)).replace(ANSI_COLOURS, ''));
  }

  protected override printStackTrace(stack: string): void {
    super.printStackTrace(stack ? scrubSecrets(stack) : stack);
  }

  protected override getJsonLogObject(
    message: unknown,
    options: { context: string; logLevel: LogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown },
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const logObject = super.getJsonLogObject(scrubbedValue(message), options);
    return logObject.stack === undefined ? logObject : { ...logObject, stack: scrubbedValue(logObject.stack) };
  }
}
