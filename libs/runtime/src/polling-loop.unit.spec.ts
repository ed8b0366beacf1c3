import { PollingLoop } from './polling-loop';

/** A loop over fixed batches, then empty ones; resolves `drained` once `expected` items were worked on. */
const loopOver = (
  batches: string[][],
  work: (item: string) => Promise<void>,
  expected: number,
  concurrency: number,
) => {
  const worked: string[] = [];
  let drainedNow: () => void = () => undefined;
  const drained = new Promise<void>((resolve) => (drainedNow = resolve));
  const loop = new PollingLoop<string>({
    claim: async () => batches.shift() ?? [],
    work: async (item) => {
      await work(item);
      worked.push(item);
      if (worked.length === expected) drainedNow();
    },
    batchSize: 3,
    concurrency,
    idleMillis: 60_000,
    onPollFailed: () => undefined,
  });
  return { loop, worked, drained };
};

describe('PollingLoop', () => {
  it('lets the other workers go on while one item is slow, instead of waiting for the slowest of a group', async () => {
    let releaseSlow: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    const { loop, worked, drained } = loopOver(
      [['slow', 'a', 'b']],
      (item) => (item === 'slow' ? slow : Promise.resolve()),
      2,
      2,
    );
    loop.start();
    await drained;
    // With two workers, one held by the slow item, the other worked through both quick ones meanwhile.
    expect(worked).toEqual(['a', 'b']);
    releaseSlow();
    await loop.stop();
    expect(worked).toEqual(['a', 'b', 'slow']);
  });

  it('works each claimed item once, claims again at once after a full batch, and stops without a last idle sleep', async () => {
    const { loop, worked, drained } = loopOver(
      [['1', '2', '3'], ['4', '5', '6'], ['7']],
      () => Promise.resolve(),
      7,
      2,
    );
    loop.start();
    await drained; // the third claim follows the full second batch at once: no 60-second idle in between
    await loop.stop();
    expect(worked.sort()).toEqual(['1', '2', '3', '4', '5', '6', '7']);
  });

  it('on stop finishes the items in hand and gives back the ones never started, so another instance takes them at once', async () => {
    let releaseFirst: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (releaseFirst = resolve));
    let started: () => void = () => undefined;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    const worked: string[] = [];
    const released: string[][] = [];
    const loop = new PollingLoop<string>({
      claim: async () => ['1', '2', '3'],
      work: async (item) => {
        if (item === '1') {
          started();
          await first;
        }
        worked.push(item);
      },
      batchSize: 3,
      concurrency: 1,
      idleMillis: 60_000,
      onPollFailed: () => undefined,
      release: async (items) => void released.push([...items]),
    });
    loop.start();
    await firstStarted;
    const stopped = loop.stop();
    releaseFirst();
    await stopped;
    expect(worked).toEqual(['1']);
    expect(released).toEqual([['2', '3']]);
  });
});
