import { ValidationError } from '@closeloop/contracts';

/**
 * The feed's cursor: base64url of a version tag and the event store's checkpoint (docs/adr/0030). Opaque to the
 * integrator, and only a place in the log: whoever presents it still sees only the events of their own sites, so
 * a cursor taken from another integrator shows nothing that integrator saw. The start of the log is the empty
 * checkpoint.
 */
const VERSION = 'v1:';
// PostgreSQL "transaction:position", KurrentDB "C:commit/P:prepare", the in-memory store's position.
const CHECKPOINT = /^(\d{1,20}:\d{1,20}|C:\d{1,20}\/P:\d{1,20}|\d{1,20})$/;

export const encodeCursor = (checkpoint: string | undefined): string =>
  Buffer.from(`${VERSION}${checkpoint ?? ''}`, 'utf8').toString('base64url');

/** The checkpoint a cursor stands for (undefined: the start of the log); a 422 for anything that is not a cursor. */
export const decodeCursor = (cursor: string | undefined): string | undefined => {
  if (cursor === undefined || cursor === '') return undefined;
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const checkpoint = text.startsWith(VERSION) ? text.slice(VERSION.length) : undefined;
  if (checkpoint === '') return undefined;
  if (checkpoint === undefined || !CHECKPOINT.test(checkpoint))
    throw new ValidationError('The cursor is not one this feed gave out', [
      {
        path: 'after',
        message: 'must be a `next` value from an earlier answer, or left out to start at the beginning',
      },
    ]);
  return checkpoint;
};
