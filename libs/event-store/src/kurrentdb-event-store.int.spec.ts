import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { GenericContainer, StartedTestContainer, Wait } from 'testcontainers';
import { NewEvent, RecordedEvent } from './event-store.port';
import { KurrentDbEventStore } from './kurrentdb-event-store';
import { eventStoreContract } from './testing';

// The server: KURRENTDB_URL if set, else a container where a Docker engine answers, else the suite is skipped and
// says why. No KurrentDB binary is installed anywhere we run; see docs/adr/0005-native-kafka-and-postgresql.md.
const IMAGE = 'docker.kurrent.io/kurrent-latest/kurrentdb:25.1';
const KURRENTDB_PORT = 2113;
const RUNTIME_PROBE_MS = 3_000;

/**
 * Asks testcontainers, in a child process cut off after a few seconds, whether a container runtime answers. Jest
 * decides what to skip while collecting tests, before anything asynchronous can run, hence the synchronous probe.
 */
const containerRuntimeAnswers = (): boolean => {
  const probe = `require(${JSON.stringify(require.resolve('testcontainers'))}).getContainerRuntimeClient().then(() => process.exit(0), () => process.exit(1))`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: RUNTIME_PROBE_MS, stdio: 'ignore' }).status === 0;
};

const configuredUrl = process.env['KURRENTDB_URL'];
const server: 'configured' | 'container' | undefined = configuredUrl
  ? 'configured'
  : containerRuntimeAnswers()
    ? 'container'
    : undefined;

let container: StartedTestContainer | undefined;
let sharedStore: Promise<KurrentDbEventStore> | undefined;

const startServer = async (): Promise<string> => {
  if (configuredUrl) return configuredUrl;
  container = await new GenericContainer(IMAGE)
    .withEnvironment({ KURRENTDB_INSECURE: 'true', KURRENTDB_RUN_PROJECTIONS: 'None', KURRENTDB_MEM_DB: 'true' })
    .withExposedPorts(KURRENTDB_PORT)
    .withWaitStrategy(
      Wait.forHttp('/health/live', KURRENTDB_PORT).forStatusCodeMatching((status) => status >= 200 && status < 300),
    )
    .withStartupTimeout(120_000)
    .start();
  return `kurrentdb://${container.getHost()}:${container.getMappedPort(KURRENTDB_PORT)}?tls=false`;
};

const store = (): Promise<KurrentDbEventStore> =>
  (sharedStore ??= startServer().then((url) => KurrentDbEventStore.connect(url)));

const stopServer = async (): Promise<void> => {
  await (await sharedStore)?.close();
  await container?.stop();
};

const event = (type = 'test.happened.v1'): NewEvent => ({
  eventId: randomUUID(),
  type,
  data: { n: 1 },
  metadata: { correlationId: 'c-1' },
});

const kurrentOnly = () => {
  describe('KurrentDB where it differs from PostgreSQL', () => {
    it('takes an append repeated with the same ids and expectation as the same write, storing its events once', async () => {
      const kurrent = await store();
      const streamId = `retry-${randomUUID()}`;
      const events = [event(), event()];
      const first = await kurrent.append(streamId, events, 'no-stream');
      const again = await kurrent.append(streamId, events, 'no-stream');
      expect(again.nextExpectedVersion).toBe(first.nextExpectedVersion);
      expect((await kurrent.readStream(streamId)).map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    });

    it('stores an event id that another stream already holds', async () => {
      const kurrent = await store();
      const shared = event();
      await kurrent.append(`first-${randomUUID()}`, [shared], 'no-stream');
      const second = `second-${randomUUID()}`;
      await kurrent.append(second, [{ ...event(), eventId: shared.eventId }], 'no-stream');
      expect((await kurrent.readStream(second)).map((e) => e.eventId)).toEqual([shared.eventId]);
    });

    it("reads none of KurrentDB's own records from $all, and reports the last event's position on append", async () => {
      const kurrent = await store();
      const streamId = `positions-${randomUUID()}`;
      const appended = await kurrent.append(streamId, [event(), event()], 'no-stream');
      const stored = await kurrent.readStream(streamId);
      expect(appended.lastGlobalPosition).toBe(stored[1]?.globalPosition);
      const everything: RecordedEvent[] = [];
      for (
        let page = await kurrent.readAll(undefined, 500);
        page.length > 0;
        page = await kurrent.readAll(page[page.length - 1]?.checkpoint, 500)
      ) {
        everything.push(...page);
      }
      expect(everything.filter((e) => e.type.startsWith('$') || e.streamId.startsWith('$'))).toEqual([]);
      expect(everything.filter((e) => e.streamId === streamId).map((e) => e.eventId)).toEqual(
        stored.map((e) => e.eventId),
      );
    });
  });
};

const differences = { refusesEventIdsOfOtherStreams: false };

if (server) {
  // One server for both blocks, stopped once after the last of them.
  afterAll(stopServer);
  eventStoreContract(
    `KurrentDB (${server === 'configured' ? 'KURRENTDB_URL' : IMAGE})`,
    store,
    async () => undefined,
    differences,
  );
  kurrentOnly();
} else {
  const reason = 'KURRENTDB_URL is not set and no Docker engine answers';
  process.stderr.write(`KurrentDB event-store suite skipped: ${reason}\n`);
  describe.skip(`KurrentDB event store (skipped: ${reason})`, () => {
    eventStoreContract('KurrentDB', store, async () => undefined, differences);
    kurrentOnly();
  });
}
