import { DomainEvent, parseDomainEvent } from './events';
import { ValidationError } from './errors';

/**
 * Turns stored or received (type, data) pairs back into typed domain events. This is where an upcaster for an
 * older version would rewrite the shape, so domain code only ever sees current versions.
 */
export const toDomainEvents = (records: readonly { readonly type: string; readonly data: unknown }[]): DomainEvent[] =>
  records.map((record) => {
    const parsed = parseDomainEvent(record.type, record.data);
    if (!parsed.ok)
      throw new ValidationError(
        `Event of type ${record.type} is not valid: ${parsed.reason}`,
        [{ path: 'data', message: parsed.reason }],
        'INVALID_EVENT',
      );
    return parsed.event;
  });
