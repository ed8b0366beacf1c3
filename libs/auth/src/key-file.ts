import { randomUUID } from 'node:crypto';
import { linkSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * Writes a private key's JWK to `file` unless it is there already, readable by its owner only. Written aside, then
 * linked into place: link fails if another process got there first (the first of several racing processes wins), and
 * a reader never sees half a file.
 */
export const writeKeyFileOnce = (file: string, jwk: object): void => {
  const draft = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(draft, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
};
