import { MAX_NUMBER_BLOCK, NumberBlocks } from './number-blocks';
import { NumberSequencesRepository } from './number-sequences.repository';

/** The shared sequence rows as the repository keeps them, with every block taken and a way to hold blocks back. */
const sequences = () => {
  const rows = new Map<string, number>();
  const blocks: { siteId: string; localDate: string; size: number }[] = [];
  let held: (() => void)[] | undefined;
  const repository = {
    async takeBlock(siteId: string, localDate: string, size: number): Promise<number> {
      if (held) await new Promise<void>((release) => held?.push(release));
      const key = `${siteId}/${localDate}`;
      const last = (rows.get(key) ?? 0) + size;
      rows.set(key, last);
      blocks.push({ siteId, localDate, size });
      return last;
    },
  };
  return {
    repository: repository as unknown as NumberSequencesRepository,
    blocks,
    hold: () => (held = []),
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const release of waiting) release();
    },
  };
};

const clockAt = (start: number) => {
  let millis = start;
  return { clock: { now: () => new Date(millis) }, advance: (by: number) => (millis += by) };
};

const START = Date.parse('2026-11-23T01:00:00Z');

describe('numbers from blocks of a site’s daily sequence', () => {
  it('gives one report a second a block of one, so its numbers follow each other without gaps', async () => {
    const shared = sequences();
    const time = clockAt(START);
    const numbers = new NumberBlocks(shared.repository, time.clock);
    const given = [];
    for (let i = 0; i < 4; i++) {
      given.push(await numbers.next('S1', '2026-11-23'));
      time.advance(1_000);
    }
    expect(given).toEqual(['S1-20261123-0001', 'S1-20261123-0002', 'S1-20261123-0003', 'S1-20261123-0004']);
    expect(shared.blocks.map((b) => b.size)).toEqual([1, 1, 1, 1]);
  });

  it('takes blocks as big as the second before asked for, and serves from them without the database', async () => {
    const shared = sequences();
    const time = clockAt(START);
    const numbers = new NumberBlocks(shared.repository, time.clock);
    for (let i = 0; i < 30; i++) await numbers.next('S1', '2026-11-23');
    time.advance(1_000);
    const busySecond = [];
    for (let i = 0; i < 30; i++) busySecond.push(await numbers.next('S1', '2026-11-23'));
    expect(new Set(busySecond).size).toBe(30);
    expect(shared.blocks.at(-1)?.size).toBe(30);
    expect(shared.blocks.length).toBeLessThan(35);
  });

  it('serves every report waiting while a block is taken from that block or the next, each number once', async () => {
    const shared = sequences();
    const time = clockAt(START);
    const numbers = new NumberBlocks(shared.repository, time.clock);
    shared.hold();
    const waiting = Array.from({ length: 250 }, () => numbers.next('S1', '2026-11-23'));
    shared.release();
    const given = await Promise.all(waiting);
    expect(new Set(given).size).toBe(250);
    expect(shared.blocks.every((b) => b.size <= MAX_NUMBER_BLOCK)).toBe(true);
    // One block for the first waiter, then blocks sized by those left waiting.
    expect(shared.blocks.length).toBeLessThanOrEqual(4);
  });

  it('hands out a number in hand without taking a block, and takes a number given back first', async () => {
    const shared = sequences();
    const time = clockAt(START);
    const numbers = new NumberBlocks(shared.repository, time.clock);
    expect(numbers.inHand('S1', '2026-11-23')).toBeUndefined();
    expect(shared.blocks).toEqual([]);
    for (let i = 0; i < 3; i++) await numbers.next('S1', '2026-11-23');
    time.advance(1_000);
    await numbers.next('S1', '2026-11-23'); // a block of three: 0004 given, 0005 and 0006 in hand
    const inHand = numbers.inHand('S1', '2026-11-23');
    expect(inHand?.number).toBe('S1-20261123-0005');
    numbers.giveBack('S1', '2026-11-23', inHand!);
    expect(await numbers.next('S1', '2026-11-23')).toBe('S1-20261123-0005');
    expect(numbers.inHand('S1', '2026-11-23')?.number).toBe('S1-20261123-0006');
    expect(numbers.inHand('S1', '2026-11-23')).toBeUndefined();
    expect(shared.blocks.map((b) => b.size)).toEqual([1, 1, 1, 3]);
  });

  it('keeps sites and days apart, and starts each day at 1', async () => {
    const shared = sequences();
    const numbers = new NumberBlocks(shared.repository, clockAt(START).clock);
    expect(await numbers.next('S1', '2026-11-23')).toBe('S1-20261123-0001');
    expect(await numbers.next('S2', '2026-11-23')).toBe('S2-20261123-0001');
    expect(await numbers.next('S1', '2026-11-24')).toBe('S1-20261124-0001');
    expect(await numbers.next('S1', '2026-11-23')).toBe('S1-20261123-0002');
  });

  it('fails the reports waiting on a block the database refused, and takes a fresh one for the next', async () => {
    const shared = sequences();
    let refuse = true;
    const flaky = {
      takeBlock: (siteId: string, localDate: string, size: number) => {
        if (!refuse) return shared.repository.takeBlock(siteId, localDate, size);
        refuse = false;
        return Promise.reject(new Error('connection lost'));
      },
    };
    const numbers = new NumberBlocks(flaky as unknown as NumberSequencesRepository, clockAt(START).clock);
    await expect(numbers.next('S1', '2026-11-23')).rejects.toThrow('connection lost');
    expect(await numbers.next('S1', '2026-11-23')).toBe('S1-20261123-0001');
  });
});
