// What the load benches share (bench:intake, the end-to-end part of npm run bench): sending reports over HTTP as
// integrators do, offering them open loop at a fixed rate, and reading a process's CPU and memory from /proc.
'use strict';
const { randomUUID } = require('node:crypto');
const { readdirSync, readFileSync } = require('node:fs');
const { Agent, request: httpRequest } = require('node:http');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { sleep } = require('./bench-run');

/** After an offer ends, how long answers still outstanding are waited for; those later count as unanswered. */
const DRAIN_MS = 60_000;

// node:http rather than fetch: on a busy 2-core host the generator's own CPU per request decides how late it
// sends, and fetch costs several times more. Keep-alive, no cap on sockets: open loop never waits for a connection.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/**
 * One report, each in a building of its own (no duplicate linking) and with its own retry key, as integrators send
 * them. Resolves with the answer's status, how long it took, its back-off advice and, for a 202, the order's id.
 */
const sendReport = (url, apiKey, i) =>
  new Promise((resolve) => {
    const startedAt = performance.now();
    const body = JSON.stringify({
      siteId: 'S1',
      building: `B${i}`,
      unit: `U${i}`.slice(0, 16),
      channel: 'phone',
      description: `Kitchen tap dripping in flat ${i}`,
    });
    const request = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        timeout: DRAIN_MS * 2,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-api-key': apiKey,
          'idempotency-key': `bench-${i}-${randomUUID()}`,
        },
      },
      (response) => {
        const chunks = [];
        response.on('data', (c) => chunks.push(c));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode,
            // Refused straight away (queue full, lag), or after waiting for a slot in vain.
            waited: response.statusCode === 503 && text.includes('no slot within'),
            millis: performance.now() - startedAt,
            retryAfter: response.headers['retry-after'] ?? null,
            retryAfterMs: response.headers['retry-after-ms'] ?? null,
            workOrderId: response.statusCode === 202 ? workOrderIdIn(text) : undefined,
          });
        });
        response.on('error', (error) =>
          resolve({ status: 0, millis: performance.now() - startedAt, error: error.code ?? error.name }),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) =>
      resolve({ status: 0, millis: performance.now() - startedAt, error: error.code ?? error.message }),
    );
    request.end(body);
  });

const workOrderIdIn = (text) => {
  try {
    return JSON.parse(text).workOrderId;
  } catch {
    return undefined;
  }
};

/** Open loop: `rate` reports a second on schedule for `seconds`, whatever the answers; then waits for the stragglers. */
const offer = async (url, apiKey, rate, seconds, label) => {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const results = [];
  const pending = [];
  const total = Math.round(rate * seconds);
  const startedAt = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - startedAt) / 1000) * rate) + 1);
    for (; sent < due; sent++) pending.push(sendReport(url, apiKey, `${label}${sent}`).then((r) => results.push(r)));
    await sleep(5);
  }
  const offeredSeconds = (performance.now() - startedAt) / 1000;
  await Promise.race([Promise.all(pending), sleep(DRAIN_MS)]);
  const answeredSeconds = (performance.now() - startedAt) / 1000;
  lag.disable();
  return {
    results: [...results],
    sent,
    offeredSeconds,
    answeredSeconds,
    generatorLagP99: lag.percentile(99) / 1e6,
    generatorLagMax: lag.max / 1e6,
  };
};

/** CPU seconds (user + system) the process has used so far, from /proc (Linux); NaN elsewhere. */
const cpuSecondsOf = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
};

/** CPU seconds the whole machine has been busy so far (every core; idle, I/O wait and steal left out), from /proc/stat. */
const machineBusySeconds = () => {
  try {
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user + nice + system + irq + softirq) / 100;
  } catch {
    return NaN;
  }
};

/**
 * CPU seconds used so far by every running process whose command line `matches`, by pid: PostgreSQL's backends or
 * the Kafka broker, which the bench did not start. A process that exits between two readings takes its time with it
 * (the services' pooled connections and the broker live through a phase).
 */
const cpuSecondsByPid = (matches) => {
  const byPid = new Map();
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return byPid;
  }
  for (const pid of pids) {
    try {
      if (matches(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) byPid.set(pid, cpuSecondsOf(pid));
    } catch {
      // Gone since the listing.
    }
  }
  return byPid;
};

/** CPU seconds used between two readings by the processes of the second: all of it for one started in between. */
const cpuSecondsBetween = (before, after) =>
  [...after].reduce((sum, [pid, seconds]) => sum + seconds - (before.get(pid) ?? 0), 0);

/** The process's resident memory in MB, from /proc (Linux); NaN elsewhere. */
const rssMegabytesOf = (pid) => {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
};

module.exports = {
  DRAIN_MS,
  cpuSecondsBetween,
  cpuSecondsByPid,
  cpuSecondsOf,
  machineBusySeconds,
  offer,
  rssMegabytesOf,
  sendReport,
};
