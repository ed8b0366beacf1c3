// The chaos harness's verdict: which measured figures fail a run, and which options it takes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DEFAULTS, parseOptions, victimsOf, failuresOf, summaryOf } = require('./chaos-report');

const cleanRun = () => ({
  startedAt: '2026-12-04T22:00:00.000Z',
  trafficSeconds: 180,
  machine: '2 cores',
  loadAverage: '1.0 1.0 1.0',
  eventLoopDelayMs: 25,
  settle: { seconds: 90, unsettledAtStart: 4, unsettledAtEnd: 0 },
  brokerOwned: false,
  postgresOwned: false,
  reports: {
    planned: 10,
    accepted: 10,
    gaveUp: 0,
    gaveUpButStored: 0,
    refused: 0,
    retried: 1,
    retries: 2,
    errors: { 'refused connections': 2 },
    latencies: [10, 20, 3_000],
    urgent: 3,
  },
  orders: {
    created: 10,
    lost: 0,
    notInStore: 0,
    withoutTimeline: 0,
    notShown: 0,
    createdTwice: 0,
    doubleAssigned: 0,
    neverAssigned: 0,
    doubleTimed: 0,
    neverTimed: 0,
  },
  timelines: { compared: 10, differing: 0, examples: [] },
  alerts: { total: 12, orders: 3, max: 5, mean: 4, lastWindow: 0, lastWindowSeconds: 30 },
  webhookRequests: 24,
  behind: { relay: 0, consumers: 'dispatch 0, sla-timer 0, notification 0, query 0' },
  servicesExited: [],
  kills: [
    {
      victim: 'dispatch',
      atMs: 20_000,
      measure: 'restart→assigned',
      downMs: 3_000,
      healthyMs: 2_000,
      recoveredMs: 4_000,
      waitedMs: 120_000,
    },
  ],
});

describe('the chaos verdict', () => {
  it('passes a run where every invariant holds and recovery is within the limit', () => {
    expect(failuresOf(cleanRun(), DEFAULTS)).toEqual([]);
  });

  it.each([
    ['lost', 'accepted order(s) lost'],
    ['createdTwice', 'made more than one order'],
    ['doubleAssigned', 'assigned more than once'],
    ['neverAssigned', 'never assigned'],
    ['doubleTimed', 'timed more than once'],
    ['neverTimed', 'never set'],
  ])('fails when orders are %s', (field, words) => {
    const run = cleanRun();
    (run.orders as Record<string, number>)[field] = 2;
    expect(failuresOf(run, DEFAULTS)).toEqual([expect.stringContaining(words)]);
  });

  it('fails on reports given up or refused, differing timelines and services that exited by themselves', () => {
    const run = cleanRun();
    run.reports.gaveUp = 1;
    run.reports.refused = 1;
    run.timelines.differing = 1;
    run.servicesExited = ['dispatch (code 1)'] as never[];
    expect(failuresOf(run, DEFAULTS)).toHaveLength(4);
  });

  it('fails when one order raised more alerts than the bound', () => {
    const run = cleanRun();
    run.alerts.max = DEFAULTS.maxAlertsPerOrder + 1;
    expect(failuresOf(run, DEFAULTS)).toEqual([expect.stringContaining('alerts per order')]);
  });

  it('fails a kill recovered after the limit, or not at all, and reports it only with the limit off', () => {
    const slow = cleanRun();
    slow.kills[0]!.recoveredMs = 27_000;
    expect(failuresOf(slow, DEFAULTS)).toEqual(['dispatch: recovery 27.0 s over 10 s']);
    expect(failuresOf(slow, { ...DEFAULTS, recoveryLimit: 0 })).toEqual([]);
    const never = cleanRun();
    never.kills[0]!.recoveredMs = undefined as never;
    expect(failuresOf(never, { ...DEFAULTS, recoveryLimit: 0 })).toEqual(['dispatch: no work resumed within 120.0 s']);
  });

  it.each([
    '10 accepted',
    '0 lost',
    '0 double-assigned',
    '0 double-timed',
    '0 of 10 differ',
    'max 5, mean 4.0',
    'restart→assigned: 4.0 s',
  ])('prints "%s", a figure the issue asks for', (words) => {
    expect(summaryOf(cleanRun(), DEFAULTS).join('\n')).toContain(words);
  });
});

describe('the chaos options', () => {
  it('defaults to a few minutes at a bounded rate, killing only what the harness owns', () => {
    const options = parseOptions([]);
    expect(options).toMatchObject({ duration: 180, rate: 5, killBroker: false, killPostgres: false });
    expect(victimsOf(options)).toEqual(['intake', 'dispatch', 'sla-timer', 'notification', 'query', 'relay-leader']);
  });

  it('adds the broker and PostgreSQL only when asked, and reads settings for the services', () => {
    const options = parseOptions(['--kill-broker', '--kill-postgres', '--rate', '8', '--env', 'SOME_SETTING=a=b']);
    expect(victimsOf(options).slice(-2)).toEqual(['broker', 'postgres']);
    expect(options.rate).toBe(8);
    expect(options.env).toEqual({ SOME_SETTING: 'a=b' });
  });

  it('refuses unbounded or unknown settings, and killing shared infrastructure', () => {
    expect(() => parseOptions(['--rate', '500'])).toThrow('--rate must be a number from 0.5 to 50');
    expect(() => parseOptions(['--duration'])).toThrow('--duration');
    expect(() => parseOptions(['--kil-broker'])).toThrow('unknown option --kil-broker');
    expect(() => parseOptions(['--only', 'intake,kafka'])).toThrow('not kafka');
    expect(() => victimsOf(parseOptions(['--only', 'broker']))).toThrow('the shared broker is never killed');
  });
});
