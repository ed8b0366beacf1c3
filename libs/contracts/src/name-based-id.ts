import { createHash } from 'node:crypto';

/**
 * Where a family of name-based ids lives: the bytes hashed before every name, and the hash. Two families never
 * share a namespace, so the same name in two of them gives two ids.
 */
export interface IdNamespace {
  /** RFC 9562's namespace: a UUID's 16 bytes, or (alert ids, see below) the text prefix they were made with. */
  readonly bytes: Uint8Array;
  readonly hash: 'sha1' | 'sha256';
}

/** A namespace from its UUID, the RFC 9562 way: hashed as its 16 bytes. */
export const uuidNamespace = (uuid: string, hash: IdNamespace['hash'] = 'sha1'): IdNamespace => {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`${uuid} is not a UUID`);
  return { bytes: Buffer.from(hex, 'hex'), hash };
};

/**
 * The id of a name in a namespace, in RFC 9562's name-based (version 5) layout: the first 16 bytes of the hash of
 * the namespace's bytes followed by the name's UTF-8, with the version nibble set to 5 and the variant bits to 10.
 * Every instance derives the same id without asking anyone, forever: these ids are stored (work-order ids of
 * integrators' retry keys, timer ids, alert stream names), so a namespace, its hash and the way a name is spelled
 * never change once ids were made with them (docs/adr/0018-one-decider-kernel.md).
 *
 * With SHA-1 this is exactly RFC 9562 UUIDv5. A SHA-256 namespace keeps the same layout, version nibble 5
 * included, because alert ids were first made that way and are stream names now; RFC 9562 would label such an
 * id version 8.
 */
export const nameBasedUuid = (namespace: IdNamespace, name: string): string => {
  const hash = createHash(namespace.hash).update(namespace.bytes).update(name, 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
