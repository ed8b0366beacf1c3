import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  sign,
  verify,
  type JsonWebKey,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import canonicalize from 'canonicalize';
import { writeKeyFileOnce } from './key-file';

// Signed order records (docs/adr/0033-tamper-evident-event-chain.md): the deployment signs what it states about an
// order with an Ed25519 key, so anyone holding the public key can check a record offline. The signature covers the
// RFC 8785 (JCS) bytes of the record without its `signature` member; the key is an OKP JWK in a file (the local
// stack's is made on first use under .local/keys, a deployment configures its own).

export interface RecordSignature {
  readonly alg: 'EdDSA';
  readonly crv: 'Ed25519';
  /** The RFC 7638 thumbprint of the public key, as /.well-known/closeloop-signing-key lists it. */
  readonly kid: string;
  /** base64url of the 64-byte signature. */
  readonly value: string;
}

export interface RecordSigningKey {
  readonly kid: string;
  readonly publicJwk: JsonWebKey & { kid: string; alg: 'EdDSA'; use: 'sig' };
  sign(record: object): RecordSignature;
}

/** The exact bytes a record's signature covers: its RFC 8785 form without the `signature` member. */
export const recordSigningBytes = (record: object): Buffer => {
  const { signature: _signature, ...signed } = record as Record<string, unknown>;
  const text = canonicalize(signed);
  if (text === undefined) throw new Error('a record has no canonical form');
  return Buffer.from(text, 'utf8');
};

const thumbprint = (jwk: JsonWebKey): string =>
  // RFC 7638 for OKP keys: the required members crv, kty, x in lexicographic order.
  createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }))
    .digest('base64url');

const fromPrivateJwk = (jwk: JsonWebKey): RecordSigningKey => {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string')
    throw new Error('the record signing key is not an Ed25519 private JWK (kty OKP, crv Ed25519, d, x)');
  const privateKey: KeyObject = createPrivateKey({ key: jwk, format: 'jwk' });
  const kid = thumbprint(jwk);
  return {
    kid,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' },
    sign: (record) => ({
      alg: 'EdDSA',
      crv: 'Ed25519',
      kid,
      value: sign(null, recordSigningBytes(record), privateKey).toString('base64url'),
    }),
  };
};

/** Reads the key from its file; with `create`, makes one first if the file is missing (the local stack, tests). */
export const loadRecordSigningKey = (file: string, create: boolean): RecordSigningKey => {
  if (!existsSync(file)) {
    if (!create) throw new Error(`the record signing key ${file} does not exist`);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeKeyFileOnce(file, privateKey.export({ format: 'jwk' }));
  }
  return fromPrivateJwk(JSON.parse(readFileSync(file, 'utf8')) as JsonWebKey);
};

/** Whether a record carries a valid signature by this public key (an OKP Ed25519 JWK). */
export const verifyRecordSignature = (record: object, publicJwk: JsonWebKey): boolean => {
  const signature = (record as { signature?: Partial<RecordSignature> }).signature;
  if (!signature || signature.alg !== 'EdDSA' || typeof signature.value !== 'string') return false;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x }, format: 'jwk' });
    return verify(null, recordSigningBytes(record), key, Buffer.from(signature.value, 'base64url'));
  } catch {
    return false;
  }
};
