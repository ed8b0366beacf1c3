import type { LookupAddress } from 'node:dns';
import { itAccepts, itRefuses } from '@closeloop/testing';
import {
  forbiddenAddressReason,
  OutboundAddressPolicy,
  OutboundAddressRefusedError,
  OutboundHostUnresolvedError,
} from './outbound-addresses';

describe('forbiddenAddressReason', () => {
  itRefuses('refuses %s (%s)', forbiddenAddressReason, [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'Alibaba Cloud metadata'],
    ['168.63.129.16', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['198.18.0.1', 'benchmarking'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'AWS metadata'],
    ['fc00::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback, as IPv4-mapped'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a00:1', 'private, as NAT64'],
    ['2002:c0a8:101::1', 'private, as 6to4'],
    ['::127.0.0.1', 'loopback'],
  ]);

  itAccepts('allows the public address %s', forbiddenAddressReason, [
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '2002:808:808::1',
    '2001:db8::1',
  ]);

  it('refuses what is not an address at all', () => {
    expect(forbiddenAddressReason('example.com')).toBe('not an IP address');
  });
});

/** A resolver that answers from a table, as DNS would: pure logic, nothing is connected to. */
const resolver =
  (answers: Record<string, LookupAddress[] | string>) =>
  (
    host: string,
    _options: unknown,
    callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
  ) => {
    const answer = answers[host] ?? 'ENOTFOUND';
    if (typeof answer === 'string') return callback(Object.assign(new Error(answer), { code: answer }), []);
    callback(null, answer);
  };

describe('OutboundAddressPolicy.check', () => {
  const policy = new OutboundAddressPolicy({
    allowPrivate: false,
    lookup: resolver({
      'hooks.example.com': [{ address: '93.184.216.34', family: 4 }],
      'split.example.com': [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ],
      'v6.example.com': [{ address: 'fd00:ec2::254', family: 6 }],
      'flaky.example.com': 'EAI_AGAIN',
    }),
  });

  it('takes a host whose every address is public', async () => {
    await expect(policy.check('hooks.example.com')).resolves.toBeUndefined();
  });

  it('refuses a host with any non-public address among its answers', async () => {
    await expect(policy.check('split.example.com')).rejects.toEqual(
      new OutboundAddressRefusedError('split.example.com', 'private'),
    );
    await expect(policy.check('v6.example.com')).rejects.toBeInstanceOf(OutboundAddressRefusedError);
  });

  it('checks address literals without asking DNS', async () => {
    await expect(policy.check('169.254.169.254')).rejects.toMatchObject({
      reason: expect.stringContaining('metadata'),
    });
    await expect(policy.check('::1')).rejects.toMatchObject({ reason: 'loopback' });
  });

  it('tells a name that does not exist (permanent) from a resolver that does not answer (worth a retry)', async () => {
    await expect(policy.check('nowhere.example.com')).rejects.toMatchObject({ permanent: true, code: 'ENOTFOUND' });
    const flaky = await policy.check('flaky.example.com').catch((e: unknown) => e);
    expect(flaky).toBeInstanceOf(OutboundHostUnresolvedError);
    expect(flaky).toMatchObject({ permanent: false, code: 'EAI_AGAIN' });
  });

  it('lets everything through when private addresses are allowed, without resolving', async () => {
    const lookup = jest.fn();
    await expect(new OutboundAddressPolicy({ allowPrivate: true, lookup }).check('127.0.0.1')).resolves.toBeUndefined();
    expect(lookup).not.toHaveBeenCalled();
  });
});

describe('OutboundAddressPolicy.connectLookup', () => {
  it('hands the connection the addresses it checked, or the refusal', async () => {
    const policy = new OutboundAddressPolicy({
      allowPrivate: false,
      lookup: resolver({
        'hooks.example.com': [{ address: '93.184.216.34', family: 4 }],
        'inside.example.com': [{ address: '192.168.0.7', family: 4 }],
      }),
    });
    const lookup = (host: string, all: boolean) =>
      new Promise((resolve, reject) =>
        policy.connectLookup(host, { all }, (error, address, family) =>
          error ? reject(error) : resolve(all ? address : { address, family }),
        ),
      );
    await expect(lookup('hooks.example.com', false)).resolves.toEqual({ address: '93.184.216.34', family: 4 });
    await expect(lookup('hooks.example.com', true)).resolves.toEqual([{ address: '93.184.216.34', family: 4 }]);
    await expect(lookup('inside.example.com', true)).rejects.toBeInstanceOf(OutboundAddressRefusedError);
  });
});
