import fc from 'fast-check';
import {
  canonicalEventBytes,
  chainEvents,
  chainTextPrefix,
  ChainLinkInput,
  eventHash,
  GENESIS_HASH,
  merkleRoot,
  verifyStream,
} from './event-chain';

// The vectors below were computed outside this code (Python's json.dumps with sorted keys and no spaces, which is
// RFC 8785 for such values, and hashlib), as docs/adr/0033-tamper-evident-event-chain.md lists them for anyone who
// re-implements the check.
const first = {
  eventId: '7d0c6a4e-3b51-4e0e-9a57-1f1f4a2f8b10',
  type: 'closeloop.work-order.reported.v1',
  data: { siteId: 'S1', description: '厨房水管爆裂', priority: 2 },
  metadata: { correlationId: 'c-1' },
  streamId: 'workorder-7d0c6a4e',
  streamVersion: 1,
  time: '2026-12-05T03:00:00.000Z',
  prevHash: GENESIS_HASH,
};
const FIRST_HASH = '808345d97bd4c0a0b3548dfd5dfd876298410729f2c823bbcf895058ad1c7d4b';
const second = {
  ...first,
  eventId: '0b5e2c9f-6a0e-4c42-8d8e-5b7f0e3c1a22',
  type: 'closeloop.work-order.acknowledged.v1',
  data: { by: 's1-d1' },
  streamVersion: 2,
  prevHash: FIRST_HASH,
};
const SECOND_HASH = 'c3b20fc6d8bbab00e46d82e6833f3975c51897a6c0a2629fec5621a4b8857511';

describe('the event hash', () => {
  it('begins with the text of data, id and metadata, which the database completes in an append (migration 0039)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.uuid(), (data, metadata, eventId) => {
        const fields = { ...first, eventId, data, metadata };
        const whole = canonicalEventBytes(fields).toString('utf8');
        const completion =
          `,"prevHash":"${fields.prevHash}","stream":${JSON.stringify(fields.streamId)},"time":"${fields.time}",` +
          `"type":${JSON.stringify(fields.type)},"version":${fields.streamVersion}}`;
        expect(chainTextPrefix(fields) + completion).toBe(whole);
      }),
    );
  });

  it('is SHA-256 over the RFC 8785 form of the event, byte for byte as the ADR gives it', () => {
    expect(canonicalEventBytes(first).toString('utf8')).toBe(
      '{"data":{"description":"厨房水管爆裂","priority":2,"siteId":"S1"},"id":"7d0c6a4e-3b51-4e0e-9a57-1f1f4a2f8b10",' +
        '"metadata":{"correlationId":"c-1"},"prevHash":"' +
        GENESIS_HASH +
        '","stream":"workorder-7d0c6a4e","time":"2026-12-05T03:00:00.000Z","type":"closeloop.work-order.reported.v1","version":1}',
    );
    expect(eventHash(first)).toBe(FIRST_HASH);
    expect(eventHash(second)).toBe(SECOND_HASH);
  });

  it('does not depend on the order of members, nor on members JSON leaves out', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (data) => {
        const reversed = Object.fromEntries(Object.entries(data).reverse());
        expect(eventHash({ ...first, data: reversed })).toBe(eventHash({ ...first, data }));
        expect(eventHash({ ...first, data: { ...data, gone: undefined } })).toBe(
          eventHash({ ...first, data: JSON.parse(JSON.stringify(data)) }),
        );
      }),
    );
  });

  it('changes with every field it covers', () => {
    const base = eventHash(first);
    for (const changed of [
      { eventId: '7d0c6a4e-3b51-4e0e-9a57-1f1f4a2f8b11' },
      { type: 'closeloop.work-order.cancelled.v1' },
      { data: { ...first.data, priority: 3 } },
      { metadata: { correlationId: 'c-2' } },
      { streamId: 'workorder-other' },
      { streamVersion: 2 },
      { time: '2026-12-05T03:00:00.001Z' },
      { prevHash: FIRST_HASH },
    ])
      expect(eventHash({ ...first, ...changed })).not.toBe(base);
  });
});

describe('verifying a stream', () => {
  const stored = (): ChainLinkInput[] => {
    const events = [first, second, { ...second, eventId: 'e3', streamVersion: 3, data: { n: 3 } }];
    const links = chainEvents(first.streamId, 1, events, first.time, GENESIS_HASH);
    return events.map((e, i) => ({ ...e, recordedAt: new Date(first.time), ...links[i] }));
  };

  it('accepts a chain as it was written', () => {
    const verification = verifyStream(first.streamId, stored());
    expect(verification.verifies).toBe(true);
    expect(verification.links[0]?.hash).toBe(FIRST_HASH);
    expect(verification.headHash).toBe(verification.links[2]?.hash);
  });

  it('reports exactly the event whose data changed', () => {
    const events = stored();
    events[1] = { ...(events[1] as ChainLinkInput), data: { by: 's1-d2' } };
    const verification = verifyStream(first.streamId, events);
    expect(verification.links.map((l) => l.verifies)).toEqual([true, false, true]);
    expect(verification.firstBreak).toMatchObject({ version: 2, reason: 'hash-mismatch' });
  });

  it('reports the event after one removed from the middle', () => {
    const events = stored();
    events.splice(1, 1);
    expect(verifyStream(first.streamId, events).firstBreak).toMatchObject({ version: 3, reason: 'version-gap' });
  });

  it('reports an event rewritten with a fresh hash at the link after it', () => {
    const events = stored();
    const changed = { ...(events[1] as ChainLinkInput), data: { by: 's1-d2' } };
    events[1] = {
      ...changed,
      hash: eventHash({ ...changed, time: first.time, prevHash: changed.prevHash as string }),
    };
    expect(verifyStream(first.streamId, events).firstBreak).toMatchObject({ version: 3, reason: 'prev-hash-mismatch' });
  });

  it('reports events stored without a hash as unchained', () => {
    const events = stored().map(({ prevHash: _p, hash: _h, ...rest }) => rest);
    expect(verifyStream(first.streamId, events).firstBreak).toMatchObject({ version: 1, reason: 'unchained' });
  });
});

describe('the Merkle root of stream heads', () => {
  it('is RFC 6962’s tree hash over the heads sorted by stream id', () => {
    const heads = [
      { streamId: 'workorder-7d0c6a4e', version: 2, hash: SECOND_HASH },
      { streamId: 'alert-1', version: 3, hash: 'a'.repeat(64) },
      { streamId: 'sla-1', version: 2, hash: null },
    ];
    expect(merkleRoot(heads)).toBe('ffedf1a3ea8f02e49087a9f73377b5fa632affe9be0ce5902f1164c84a866d3a');
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('changes when any stream loses its last event', () => {
    const heads = [
      { streamId: 'a', version: 2, hash: 'a'.repeat(64) },
      { streamId: 'b', version: 5, hash: 'b'.repeat(64) },
    ];
    expect(merkleRoot([heads[0]!, { streamId: 'b', version: 4, hash: 'c'.repeat(64) }])).not.toBe(merkleRoot(heads));
    expect(merkleRoot([heads[0]!])).not.toBe(merkleRoot(heads));
  });
});
