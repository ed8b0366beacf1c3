import { clientAddressOf } from './client-address';

describe('clientAddressOf (the client a per-address limit counts)', () => {
  it('is the peer itself when nothing forwarded the request', () => {
    expect(clientAddressOf('203.0.113.9', undefined)).toBe('203.0.113.9');
    expect(clientAddressOf('::ffff:203.0.113.9', undefined)).toBe('203.0.113.9');
  });

  it('is the address the console’s proxy (on loopback) appended, not what the client wrote before it', () => {
    expect(clientAddressOf('127.0.0.1', '198.51.100.7, 203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddressOf('::1', '203.0.113.9')).toBe('203.0.113.9');
  });

  it('walks past every private-network proxy', () => {
    expect(clientAddressOf('10.0.0.2', '203.0.113.9, 192.168.1.10, 172.20.0.4')).toBe('203.0.113.9');
    expect(clientAddressOf('fd00::2', '2001:db8::1')).toBe('2001:db8::1');
  });

  it('ignores X-Forwarded-For from a client that reached the service directly', () => {
    expect(clientAddressOf('203.0.113.9', '127.0.0.1')).toBe('203.0.113.9');
  });

  it('is the leftmost entry when every hop is local (the local stack), and a forged entry counts as written', () => {
    expect(clientAddressOf('127.0.0.1', '127.0.0.1')).toBe('127.0.0.1');
    expect(clientAddressOf('127.0.0.1', 'not-an-address')).toBe('not-an-address');
    expect(clientAddressOf(undefined, undefined)).toBe('unknown');
  });
});
