import { isIP } from 'node:net';

/**
 * The address a request came from, for limits per client (the public resident routes, where nobody holds a key).
 * Proxies on loopback or a private network (the console's same-origin proxy, a load balancer) append the address
 * they were reached from to X-Forwarded-For; walking the chain from the right past those, the first address that is
 * not such a proxy is the client's. A client that writes its own X-Forwarded-For only adds entries to the left of
 * what the proxies appended, so it cannot pick the address it is counted under, except from inside those networks.
 */
export const clientAddressOf = (remoteAddress: string | undefined, forwardedFor: string | undefined): string => {
  const chain = [
    ...(forwardedFor ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
    remoteAddress ?? 'unknown',
  ].map(plainAddress);
  for (let i = chain.length - 1; i > 0; i--) {
    const address = chain[i] as string;
    if (!isTrustedProxy(address)) return address;
  }
  return (chain[0] as string).slice(0, 64);
};

/** `::ffff:203.0.113.9` is 203.0.113.9; anything that is not an address stays as written. */
const plainAddress = (address: string): string => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
};

const isTrustedProxy = (address: string): boolean => {
  const family = isIP(address);
  if (family === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  if (family === 6) {
    const lower = address.toLowerCase();
    return lower === '::1' || /^f[cd][0-9a-f]{0,2}:/.test(lower) || /^fe[89ab][0-9a-f]?:/.test(lower);
  }
  // Not an address at all (a forged entry): never a proxy of ours, so it is the client's, as written.
  return false;
};
