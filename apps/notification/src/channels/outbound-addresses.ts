import { lookup as dnsLookup, LookupAddress, LookupAllOptions } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';

/**
 * Where alerts may be sent (docs/adr/0017-one-input-policy-at-the-edge.md, "Outbound addresses"). Staff choose the
 * URLs alerts are POSTed to; without this rule a webhook pointed at 127.0.0.1, the cloud's metadata service or a
 * database on the private network would have the notification service make requests there for them (SSRF). So
 * every address a destination's host RESOLVES to must be public: checked when a contact is saved (a 422) and again
 * at the moment of connecting, on the very addresses the connection uses, so a name that resolved to a public
 * address at save time and to 10.0.0.5 now (DNS rebinding) is still refused. Local development and the tests,
 * whose receivers listen on 127.0.0.1, switch the rule off with OUTBOUND_ALLOW_PRIVATE_ADDRESSES=true.
 */

interface Range {
  readonly family: 4 | 6;
  readonly bytes: readonly number[];
  readonly prefix: number;
  readonly what: string;
}

const v4 = (cidr: string, what: string): Range => {
  const [address, prefix] = cidr.split('/') as [string, string];
  return { family: 4, bytes: address.split('.').map(Number), prefix: Number(prefix), what };
};
const v6 = (cidr: string, what: string): Range => {
  const [address, prefix] = cidr.split('/') as [string, string];
  return { family: 6, bytes: ipv6Bytes(address) ?? [], prefix: Number(prefix), what };
};

/** RFC 6890 special-purpose blocks that are not the public internet, and the cloud metadata services. */
const FORBIDDEN: readonly Range[] = [
  v4('0.0.0.0/8', 'unspecified ("this network")'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'shared address space (carrier-grade NAT; Alibaba Cloud metadata at 100.100.100.200)'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local (cloud metadata at 169.254.169.254)'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'IETF protocol assignments'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved or broadcast'),
  v4('168.63.129.16/32', 'cloud metadata (Azure host)'),
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'site-local'),
  v6('fc00::/7', 'unique-local (AWS metadata at fd00:ec2::254)'),
  v6('ff00::/8', 'multicast'),
];

/** IPv6 forms that carry an IPv4 address, which is what decides: mapped, NAT64, 6to4, and the old compatible form. */
const EMBEDDED_V4: readonly { range: Range; at: number }[] = [
  { range: v6('::ffff:0:0/96', 'IPv4-mapped'), at: 12 },
  { range: v6('64:ff9b::/96', 'NAT64'), at: 12 },
  { range: v6('2002::/16', '6to4'), at: 2 },
  { range: v6('::/96', 'IPv4-compatible'), at: 12 },
];

function ipv6Bytes(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = (dotted[1] as string).split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

const inRange = (bytes: readonly number[], range: Range): boolean => {
  for (let bit = 0; bit < range.prefix; bit++) {
    const index = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((bytes[index] ?? 0) & mask) !== ((range.bytes[index] ?? 0) & mask)) return false;
  }
  return true;
};

/** Why an IP address is not a public internet address, or undefined when it is one. */
export const forbiddenAddressReason = (address: string): string | undefined => {
  const family = isIP(address);
  if (family === 4) {
    const bytes = address.split('.').map(Number);
    return FORBIDDEN.find((r) => r.family === 4 && inRange(bytes, r))?.what;
  }
  if (family === 6) {
    const bytes = ipv6Bytes(address);
    if (!bytes) return 'not a valid IPv6 address';
    const own = FORBIDDEN.find((r) => r.family === 6 && inRange(bytes, r))?.what;
    if (own) return own;
    const carrier = EMBEDDED_V4.find(({ range }) => inRange(bytes, range));
    const embedded = carrier && forbiddenAddressReason(bytes.slice(carrier.at, carrier.at + 4).join('.'));
    return embedded ? `${embedded}, as ${carrier.range.what} IPv6` : undefined;
  }
  return 'not an IP address';
};

/** A destination whose host is, or resolves to, an address alerts may not be sent to. */
export class OutboundAddressRefusedError extends Error {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`${host} is or resolves to a ${reason} address, which alerts are not sent to`);
    this.name = 'OutboundAddressRefusedError';
  }
}

/** The host's name could not be resolved: `permanent` for a name that does not exist, otherwise worth a retry. */
export class OutboundHostUnresolvedError extends Error {
  constructor(
    readonly host: string,
    readonly permanent: boolean,
    readonly code: string,
  ) {
    super(`${host} could not be resolved (${code})`);
    this.name = 'OutboundHostUnresolvedError';
  }
}

type Lookup = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** The callback shape Node's net and http accept as `lookup`, single- and all-address. */
type ConnectLookup = (
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

const PERMANENT_DNS_CODES = new Set(['ENOTFOUND', 'ENODATA', 'EBADNAME', 'ENONAME']);

/** The host of a URL as net.connect sees it: `[::1]` is `::1`. */
export const hostOfUrl = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

export interface OutboundAddressOptions {
  /** OUTBOUND_ALLOW_PRIVATE_ADDRESSES: local development and tests, whose receivers are on loopback. */
  readonly allowPrivate: boolean;
  /** The resolver; dns.lookup (the system's, as every connection uses) unless a test needs another. */
  readonly lookup?: Lookup;
}

export class OutboundAddressPolicy {
  readonly allowPrivate: boolean;
  private readonly resolve: Lookup;

  /**
   * Connections kept alive per rule, each made through connectLookup: a pooled connection is one whose address was
   * checked, and one made under another rule (a test's ANY_ADDRESS) is never reused under this one.
   */
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;

  constructor(options: OutboundAddressOptions) {
    this.allowPrivate = options.allowPrivate;
    this.resolve = options.lookup ?? (dnsLookup as unknown as Lookup);
    this.httpAgent = new HttpAgent({ keepAlive: true, lookup: this.connectLookup as never });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, lookup: this.connectLookup as never });
  }

  /**
   * Resolves a host and checks every address it has; throws OutboundAddressRefusedError or
   * OutboundHostUnresolvedError. For saving a contact: nothing is connected to.
   */
  async check(host: string): Promise<void> {
    if (this.allowPrivate) return;
    await this.resolveChecked(host);
  }

  /**
   * The `lookup` for http(s).request: resolves, refuses the connection if any address is not public, and hands
   * the connection exactly the addresses it checked — no second resolution an attacker's DNS could answer
   * differently. An IP literal never reaches a lookup, so postOnce checks those with check() first.
   */
  readonly connectLookup: ConnectLookup = (hostname, options, callback) => {
    this.resolveChecked(hostname, this.allowPrivate).then(
      (addresses) => {
        const family = Number(options.family) || 0;
        const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        if (options.all) return callback(null, usable);
        const first = usable[0];
        if (!first)
          return callback(
            Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }),
            '',
            0,
          );
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, options.all ? [] : '', 0),
    );
  };

  private resolveChecked(host: string, skipCheck = false): Promise<LookupAddress[]> {
    const literal = isIP(host);
    if (literal) return this.checked(host, [{ address: host, family: literal }], skipCheck);
    return new Promise<LookupAddress[]>((resolve, reject) =>
      this.resolve(host, { all: true }, (error, addresses) => {
        if (error)
          return reject(
            new OutboundHostUnresolvedError(host, PERMANENT_DNS_CODES.has(error.code ?? ''), error.code ?? 'EUNKNOWN'),
          );
        if (addresses.length === 0) return reject(new OutboundHostUnresolvedError(host, true, 'ENODATA'));
        this.checked(host, addresses, skipCheck).then(resolve, reject);
      }),
    );
  }

  private async checked(host: string, addresses: LookupAddress[], skipCheck: boolean): Promise<LookupAddress[]> {
    if (skipCheck) return addresses;
    // One forbidden address is enough to refuse: a name that also points inside the network is not a public endpoint.
    for (const { address } of addresses) {
      const reason = forbiddenAddressReason(address);
      if (reason) throw new OutboundAddressRefusedError(host, reason);
    }
    return addresses;
  }
}

/** The rule as production runs it: public addresses only. */
export const PUBLIC_ADDRESSES_ONLY = new OutboundAddressPolicy({ allowPrivate: false });
/** OUTBOUND_ALLOW_PRIVATE_ADDRESSES=true: local development and tests, whose receivers listen on 127.0.0.1. */
export const ANY_ADDRESS = new OutboundAddressPolicy({ allowPrivate: true });
