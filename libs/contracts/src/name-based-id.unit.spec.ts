import { nameBasedUuid, uuidNamespace } from './name-based-id';

const RFC_9562_V5_LAYOUT = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('nameBasedUuid', () => {
  it('is RFC 9562 UUIDv5 for a SHA-1 namespace: the RFC’s own example, www.example.com in the DNS namespace', () => {
    expect(nameBasedUuid(uuidNamespace('6ba7b810-9dad-11d1-80b4-00c04fd430c8'), 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('gives the same id for the same name, and different ids in different namespaces', () => {
    const a = uuidNamespace('5b4e0d2c-8f6a-4f7e-9a1d-3c5b7e9f1a2b');
    const b = uuidNamespace('18a29038-3aec-4866-b1ea-9154fec7fae9');
    expect(nameBasedUuid(a, 'retry-1')).toBe(nameBasedUuid(a, 'retry-1'));
    expect(nameBasedUuid(a, 'retry-1')).not.toBe(nameBasedUuid(b, 'retry-1'));
  });

  it('keeps the version-5 layout for a SHA-256 namespace, as alert ids were first made', () => {
    const id = nameBasedUuid(
      { bytes: Buffer.from('closeloop:alert:', 'utf8'), hash: 'sha256' },
      'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80:response:2:0',
    );
    expect(id).toMatch(RFC_9562_V5_LAYOUT);
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidNamespace('closeloop')).toThrow('closeloop is not a UUID');
  });
});
