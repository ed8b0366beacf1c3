#!/usr/bin/env node
// The demo: five residents' reports arrive through every intake path (HTTP, CloudEvents over HTTP, a CloudEvents
// batch, the Kafka intake topic), one is retried, one is malformed; one order goes round the whole loop to a rated
// closure, one is reopened by the resident and closed on the second round, and each order's timeline is printed
// as a supervisor would read it; an urgent order nobody picks up climbs the escalation chain, and a burst main at
// S3 floods the on-call supervisor with alerts, which reach them as one digest. Expects the services of
// scripts/stack.js to be running.
'use strict';
const { randomBytes } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:http');
const { Webhook } = require('standardwebhooks');
const { SMTPServer } = require('smtp-server');
const { Kafka, logLevel } = require('kafkajs');
const { DEMO_REPORTS, cloudEvent, produceToIntake } = require('./demo-reports');
const { demoResidentLink } = require('./demo-resident-link');
const residentNoticesDemo = require('./demo-resident-notices');

const intake = process.env.INTAKE_URL ?? 'http://127.0.0.1:3001';
const dispatch = process.env.DISPATCH_URL ?? 'http://127.0.0.1:3002';
const notification = process.env.NOTIFICATION_URL ?? 'http://127.0.0.1:3004';
const query = process.env.QUERY_URL ?? 'http://127.0.0.1:3005';
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const topicPrefix = process.env.KAFKA_TOPIC_PREFIX ?? '';
const run = Date.now().toString(36);

// Real credentials, made as an operator would with `npm run admin`: an integrator key for the hotline's systems
// (shown once, never printed here) and staff tokens signed by the local key whose JWKS the services trust.
const { IntegratorKeyStore, issueStaffToken, integratorSource } = require('../libs/auth/dist');
const { createPool } = require('../libs/database/dist');
const keyDir = process.env.STAFF_KEY_DIR ?? '.local/keys';
const issuer = process.env.STAFF_TOKEN_ISSUER ?? 'closeloop-local';
const audience = process.env.STAFF_TOKEN_AUDIENCE ?? 'closeloop';
const integratorId = `demo-hotline-${run}`;
const credentials = { apiKey: undefined, supervisor: undefined };

const registerCredentials = async () => {
  const pool = createPool(process.env.DATABASE_URL, 'closeloop-demo');
  try {
    const store = new IntegratorKeyStore(pool, () => new Date());
    credentials.apiKey = (
      await store.register({
        integratorId,
        name: 'Demo hotline, app and front desk',
        sites: ['S1', 'S9', 'S3'],
        eventTypes: ['*'],
      })
    ).apiKey;
  } finally {
    await pool.end();
  }
  credentials.supervisor = await staffToken({
    staffId: 'sup-demo',
    name: 'Demo Supervisor',
    roles: ['supervisor'],
    sites: ['S1', 'S9', 'S3'],
  });
};

const staffToken = ({ staffId, name, roles, sites }) =>
  issueStaffToken({ dir: keyDir, issuer, audience, staffId, name, roles, sites, ttlSeconds: 3600 });

/** Intake hears from the integrator; everything else is read by the site supervisor unless a person is named. */
const authorised = (url, headers = {}) => {
  if (headers.authorization || headers['x-api-key']) return headers;
  return url.startsWith(intake)
    ? { ...headers, 'x-api-key': credentials.apiKey }
    : { ...headers, authorization: `Bearer ${credentials.supervisor}` };
};
const fetch = (url, init = {}) => globalThis.fetch(url, { ...init, headers: authorised(String(url), init.headers) });

const postTo = async (base, path, body, headers) => {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: await response.json() };
};
const post = (path, body, headers) => postTo(intake, path, body, headers);

/** A technician acts on an order through dispatch, with their own token; the demo stops if the service refuses. */
const act = async (workOrderId, action, person, body = {}) => {
  const token = await staffToken({ staffId: person.staffId, name: person.name, roles: ['technician'], sites: ['S1'] });
  const result = await postTo(dispatch, `/v1/work-orders/${workOrderId}/${action}`, body, {
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
  });
  if (result.status !== 200)
    throw new Error(`${action} on ${workOrderId} was refused: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
};

const residentSays = async (workOrderId, what, body) => {
  const result = await post(`/v1/work-orders/${workOrderId}/${what}`, body, { 'content-type': 'application/json' });
  if (result.status !== 202)
    throw new Error(`${what} on ${workOrderId} was refused: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Asks `probe` every 100 ms until it finds something, and returns it; after `timeoutMs`, fails with `failure`. */
const waitFor = async (probe, timeoutMs, failure) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found) return found;
    await sleep(100);
  }
  throw new Error(failure);
};

const waitForSettled = (workOrderId, timeoutMs = 30_000) =>
  waitFor(
    async () => {
      const response = await fetch(`${query}/v1/work-orders/${workOrderId}`);
      if (!response.ok) return undefined;
      const order = await response.json();
      return (order.status === 'assigned' || order.status === 'awaiting-dispatch') && order.sla ? order : undefined;
    },
    timeoutMs,
    `work order ${workOrderId} was not assigned within ${timeoutMs} ms`,
  );

const waitForType = (workOrderId, type, timeoutMs = 30_000) =>
  waitFor(
    async () => {
      const response = await fetch(`${query}/v1/work-orders/${workOrderId}/timeline`);
      return response.ok && (await response.json()).events.some((e) => e.type === type);
    },
    timeoutMs,
    `${type} did not reach the timeline of ${workOrderId} within ${timeoutMs} ms`,
  );

/** The order a Kafka-submitted CloudEvent created or joined, found by the event's id. */
const waitForOrderCausedBy = (eventId, timeoutMs = 30_000) =>
  waitFor(
    async () => {
      const response = await fetch(`${query}/v1/work-orders?causedBy=${encodeURIComponent(eventId)}`);
      const [found] = (await response.json()).items;
      return found;
    },
    timeoutMs,
    `the Kafka-submitted event ${eventId} did not reach the query side within ${timeoutMs} ms`,
  );

const shanghai = (iso, options) =>
  new Date(iso).toLocaleString('en-GB', { timeZone: 'Asia/Shanghai', hour12: false, ...options });
const time = (iso) =>
  `${shanghai(iso, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}.${String(new Date(iso).getMilliseconds()).padStart(3, '0')}`;
const deadline = (iso) => shanghai(iso, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

const describeEvent = (event) => {
  const d = event.data;
  switch (event.type) {
    case 'closeloop.workorder.reported.v1':
      return `reported via ${d.channel} by ${d.reporter.name ?? 'an anonymous resident'} (${d.reporter.phone ?? 'no phone'}): "${d.description}"`;
    case 'closeloop.workorder.triaged.v1':
      return `triaged ${d.tier}, category ${d.category}: ${d.reason}`;
    case 'closeloop.sla.targets-set.v1':
      return `SLA ${d.policyId}: acknowledge by ${deadline(d.responseDueAt)}, resolve by ${deadline(d.resolutionDueAt)}`;
    case 'closeloop.workorder.assigned.v1':
      return `owner ${d.owner.name} (${d.teamId}): ${d.reason}`;
    case 'closeloop.workorder.queued-for-dispatch.v1':
      return `waiting in dispatcher queue ${d.queueId}: ${d.reason}`;
    case 'closeloop.workorder.acknowledged.v1':
      return `acknowledged by ${d.by.name}${d.becameOwner ? ', who now owns it (first response)' : ''}`;
    case 'closeloop.workorder.work-started.v1':
      return `${d.by.name} started work`;
    case 'closeloop.workorder.put-on-hold.v1':
      return `on hold, ${d.reason}${d.note ? `: ${d.note}` : ''}`;
    case 'closeloop.workorder.resumed.v1':
      return `resumed after ${d.heldSeconds} s on hold`;
    case 'closeloop.workorder.resolved.v1':
      return `resolved by ${d.by.name}: ${d.notes}`;
    case 'closeloop.workorder.technician-reassigned.v1':
      return `technician now ${d.to.name}: ${d.reason}`;
    case 'closeloop.workorder.ownership-handed-over.v1':
      return `ownership handed from ${d.from.name} to ${d.to.name}: ${d.reason}`;
    case 'closeloop.workorder.cancelled.v1':
      return `cancelled (${d.reason})${d.note ? `: ${d.note}` : ''}`;
    case 'closeloop.workorder.resolution-rejected.v1':
      return `resident says it is not fixed${d.comment ? `: "${d.comment}"` : ''}`;
    case 'closeloop.workorder.reopened.v1':
      return `reopened, round ${d.round}: ${d.reason}`;
    case 'closeloop.workorder.closed.v1':
      return `closed, ${d.outcome}${d.rating ? `, rated ${'★'.repeat(d.rating)}${'☆'.repeat(5 - d.rating)}` : ''}${d.comment ? ` "${d.comment}"` : ''}`;
    case 'closeloop.workorder.duplicate-report-linked.v1':
      return `${d.reporter.name ?? 'another resident'} reported the same problem via ${d.channel} (contact ${d.contactNumber}); linked: ${d.reason}`;
    case 'closeloop.workorder.callback-requested.v1':
      return `callback (回访) due: the resident has not confirmed the fix`;
    case 'closeloop.sla.warning-raised.v1':
      return `SLA warning: ${d.target} due ${deadline(d.dueAt)}`;
    case 'closeloop.sla.breached.v1':
      return `SLA breached: ${d.target} was due ${deadline(d.dueAt)}`;
    case 'closeloop.sla.escalated.v1':
      return `escalated to level ${d.level} (${['site supervisor on call', 'service manager', 'operations head'][d.level - 1]}) for the ${d.target} target`;
    case 'closeloop.sla.target-met.v1':
      return `SLA ${d.target} target met ${d.onTime ? 'on time' : 'late'} (due ${deadline(d.dueAt)})`;
    case 'closeloop.sla.clock-paused.v1':
      return 'SLA resolution clock paused: waiting on the resident';
    case 'closeloop.sla.clock-resumed.v1':
      return `SLA resolution clock resumed after ${d.pausedSeconds} s; now due ${deadline(d.resolutionDueAt)}`;
    case 'closeloop.sla.clock-restarted.v1':
      return `SLA resolution clock restarted for round ${d.round}; due ${deadline(d.resolutionDueAt)}`;
    case 'closeloop.sla.deadlines-recomputed.v1':
      return `SLA deadlines recomputed under ${d.policyId} v${d.policyVersion}${d.resolutionDueAt ? `: resolve by ${deadline(d.resolutionDueAt)}` : ''}`;
    case 'closeloop.sla.clock-stopped.v1':
      return `SLA clocks stopped (${d.reason})`;
    case 'closeloop.sla.escalation-acknowledged.v1':
      return `escalation acknowledged at level ${d.level} by ${d.acknowledgedBy.name}: the chain stops`;
    case 'closeloop.alert.raised.v1': {
      const channelsOf = (r) => (r.channels.length ? `, ${r.channels.join('/')}` : ', no channel');
      const recipients = d.recipients.map((r) => `${r.staffId} (${r.role}${channelsOf(r)})`).join(', ');
      return `alert (${d.kind}${d.level ? ` level ${d.level}` : ''}) for ${recipients}`;
    }
    case 'closeloop.alert.delivery-attempted.v1':
      return `${d.channel} to ${d.staffId} at ${d.destination}: ${d.outcome} in ${d.latencyMs} ms (attempt ${d.attempt})`;
    case 'closeloop.alert.dead-lettered.v1':
      return `${d.channel} to ${d.staffId} given up after ${d.attempts} attempts: ${d.reason}`;
    case 'closeloop.alert.acknowledged.v1':
      return `alert acknowledged by ${d.acknowledgedBy.staffId} (${d.via})`;
    case 'closeloop.alert.closed.v1':
      return `alert closed: ${d.reason}`;
    case 'closeloop.alert.chain-exhausted.v1':
      return (
        `nobody at level ${d.level} could be reached: the chain ends; ` +
        `${d.fallback.staffId} (${d.fallback.source}) paged once on ${d.fallback.channels.join('/') || 'no channel'}`
      );
    case 'closeloop.workorder.follow-up-contact-recorded.v1':
      return `resident contacted again (contact ${d.contactNumber}, ${d.channel})${d.note ? `: "${d.note}"` : ''}`;
    default:
      return event.type;
  }
};

const printTimeline = async (workOrderId) => {
  const order = await (await fetch(`${query}/v1/work-orders/${workOrderId}`)).json();
  const timeline = await (await fetch(`${query}/v1/work-orders/${workOrderId}/timeline`)).json();
  const owner = order.owner ? `  owner ${order.owner.name} since ${time(order.owner.since)}` : '';
  console.log(
    `\n${order.number}  ${order.tier}  ${order.category}  site ${order.siteId}` +
      `${order.building ? ` building ${order.building}` : ''}  status: ${order.status}${owner}`,
  );
  // More than the reporter: the people the order must keep informed (a duplicate's reporter, a caller chasing it).
  if (order.contacts.length > 1) {
    const contacts = order.contacts.map(
      (c) => `${c.name ?? 'anonymous'}${c.phone ? ` (${c.phone})` : ''} as ${c.relation}`,
    );
    console.log(`  contacts: ${contacts.join('; ')}`);
  }
  for (const event of timeline.events)
    console.log(`  ${time(event.occurredAt)}  ${event.actor.padEnd(48)} ${describeEvent(event)}`);
};

// ── On call ───────────────────────────────────────────────────────────────────────────────────────────────
// S1's escalation chain, one person a level, round the clock; each is paged by a signed webhook that this demo
// receives and checks with the reference standardwebhooks library, as any receiver would.
const ON_CALL = [
  { level: 1, staffId: 'oc-s1-zhao', name: 'Zhao Min (site supervisor)' },
  { level: 2, staffId: 'oc-s1-qian', name: 'Qian Hui (service manager)', email: 'qian.hui@s1.example.com' },
  { level: 3, staffId: 'oc-s1-sun', name: 'Sun Li (operations head)' },
];
// S3 has a site supervisor on call, and a burst main that floods three buildings at once (step 11).
const STORM = { siteId: 'S3', staffId: 'oc-s3-wu', name: 'Wu Fang (site supervisor)', reports: 14 };
/** The window of alert storm shaping the services run with (scripts/up.sh shortens it for the demo). */
const stormWindowSeconds = Number(process.env.ALERT_STORM_WINDOW_SECONDS || 300);
const pages = [];
const mails = [];

/**
 * The inbox the services' SMTP settings point at (SMTP_HOST/SMTP_PORT, set by scripts/up.sh): a real SMTP server
 * in this process, standing in for the service manager's mail.
 */
/** The Subject header, unfolded and decoded from RFC 2047 encoded words (how mail carries 升级 in a header). */
const subjectOf = (raw) => {
  const headers = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const subject = /^Subject: (.*)$/im.exec(headers)?.[1] ?? '';
  const decode = (charset, encoding, text) =>
    encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8');
  return subject
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_m, charset, encoding, text) => decode(charset, encoding, text));
};

const startInbox = async () => {
  const port = Number(process.env.SMTP_PORT ?? 2525);
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: subjectOf(raw), raw });
        callback();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  server.server.unref();
};

const startPager = async () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const verifier = new Webhook(secret);
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      try {
        const payload = verifier.verify(Buffer.concat(chunks).toString('utf8'), request.headers);
        pages.push({ staffId: request.url.slice(1), payload });
        response.writeHead(204).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return { url: (staffId) => `http://127.0.0.1:${server.address().port}/${staffId}`, secret };
};

const putOnCall = async (pager) => {
  const put = async (path, body) => {
    const response = await fetch(`${notification}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`PUT ${path} was refused: ${response.status} ${await response.text()}`);
  };
  for (const person of ON_CALL) {
    // One rotation a level, with a fixed id, so running the demo again replaces it rather than adding another.
    await put(`/v1/on-call/rotations/0d5c1a00-0000-4000-8000-00000000000${person.level}`, {
      siteId: 'S1',
      level: person.level,
      timeZone: 'Asia/Shanghai',
      handoff: 'weekly',
      handoffTime: '09:00',
      handoffWeekday: 1,
      startsOn: '2026-01-05',
      members: [person.staffId],
    });
    const destinations = [{ channel: 'webhook', url: pager.url(person.staffId), secrets: [pager.secret] }];
    if (person.email) destinations.push({ channel: 'email', address: person.email });
    await put(`/v1/on-call/contacts/staff/${person.staffId}`, { destinations });
  }
  await put('/v1/on-call/rotations/0d5c1a00-0000-4000-8000-000000000301', {
    siteId: STORM.siteId,
    level: 1,
    timeZone: 'Asia/Shanghai',
    handoff: 'weekly',
    handoffTime: '09:00',
    handoffWeekday: 1,
    startsOn: '2026-01-05',
    members: [STORM.staffId],
  });
  await put(`/v1/on-call/contacts/staff/${STORM.staffId}`, {
    destinations: [{ channel: 'webhook', url: pager.url(STORM.staffId), secrets: [pager.secret] }],
  });
};

/**
 * Step 11: a burst main floods three buildings of S3, and every flat calls. Past the storm threshold (more than 10
 * alerts within the window) the supervisor on call gets the rest in one digest per channel when the window closes,
 * the SLA breaches that follow included, and acknowledges them all with its one link. Returns an order the digest
 * listed, to print its timeline.
 */
const alertStorm = async (json) => {
  const orders = [];
  for (let i = 0; i < STORM.reports; i++) {
    const flat = `${String(2 + Math.floor(i / 3)).padStart(2, '0')}0${1 + (i % 3)}`;
    const report = {
      siteId: STORM.siteId,
      building: `B${1 + (i % 3)}`,
      unit: flat,
      channel: 'phone',
      reporter: { name: `Resident of ${flat}` },
      description: `Burst main: water flooding into flat ${flat} (${run})`,
    };
    const accepted = await post('/v1/reports', report, json);
    if (accepted.status !== 202)
      throw new Error(`storm report ${i + 1} was refused: ${accepted.status} ${JSON.stringify(accepted.body)}`);
    orders.push(accepted.body.workOrderId);
  }
  console.log(
    `   ${orders.length} urgent orders at ${STORM.siteId} in a few seconds; storm shaping holds pages past 10 alerts in ${stormWindowSeconds} s`,
  );
  if (stormWindowSeconds > 60) {
    console.log(
      `   (the digest goes out when the ${stormWindowSeconds}-s window closes; the demo does not wait for it)`,
    );
    return undefined;
  }
  const digest = await waitForPage(
    (p) => p.staffId === STORM.staffId && p.payload.type === 'closeloop.alert-digest',
    (stormWindowSeconds + 30) * 1000,
  );
  const single = pages.filter((p) => p.staffId === STORM.staffId && p.payload.type === 'closeloop.alert').length;
  console.log(
    `   ${STORM.name} was paged ${single} times one by one, then once with a digest:\n` +
      `     ${digest.payload.text.split('\n').slice(0, 4).join('\n     ')}\n     ...`,
  );
  const ack = await globalThis.fetch(digest.payload.ackUrl, { method: 'POST' });
  const result = await ack.json();
  if (ack.status !== 200) throw new Error(`the digest's ack link was refused: ${ack.status} ${JSON.stringify(result)}`);
  const acknowledged = result.alerts.filter((a) => a.status === 'acknowledged').length;
  console.log(
    `   ...and acknowledges them all with its one link: ${ack.status}, ` +
      `${acknowledged} of ${result.alerts.length} alerts acknowledged, each on its own order's timeline`,
  );
  const listed = digest.payload.alerts[0].workOrder.id;
  await waitForType(listed, 'closeloop.alert.acknowledged.v1');
  return listed;
};

const waitForPage = (predicate, timeoutMs) =>
  waitFor(() => pages.find(predicate), timeoutMs, `no page arrived within ${timeoutMs} ms`);

const waitForMail = (predicate, timeoutMs) =>
  waitFor(() => mails.find(predicate), timeoutMs, `no e-mail arrived within ${timeoutMs} ms`);

const main = async () => {
  const json = { 'content-type': 'application/json' };
  const submitted = [];
  await registerCredentials();
  console.log(
    `0. Integrator ${integratorId} registered for sites S1 and S9 (its key is shown once, to the operator, and not here)`,
  );
  await startInbox();
  await putOnCall(await startPager());
  console.log(
    `   On call for S1: ${ON_CALL.map((p) => `level ${p.level} ${p.name}`).join(', ')}; each paged by a signed webhook, the manager by e-mail too`,
  );

  console.log('1. A resident phones the hotline: burst pipe (HTTP, with an Idempotency-Key)');
  const startedAt = Date.now();
  const pipe = DEMO_REPORTS.burstPipe;
  const first = await post('/v1/reports', pipe, { ...json, 'idempotency-key': `demo-${run}-pipe` });
  console.log(`   ${first.status} ${first.body.number} tier ${first.body.tier}`);
  await waitForSettled(first.body.workOrderId);
  const endToEndMs = Date.now() - startedAt;
  submitted.push(first.body.workOrderId);

  console.log('2. The IVR retries the same call (same key): the same order comes back, not a second one');
  const retry = await post('/v1/reports', pipe, { ...json, 'idempotency-key': `demo-${run}-pipe` });
  console.log(
    `   ${retry.status} ${retry.body.number} (Idempotent-Replayed: ${retry.headers.get('idempotent-replayed')})`,
  );

  console.log('   The neighbour in the same flat reports the same leak on WeChat: it joins the open order');
  const neighbour = await post('/v1/reports', DEMO_REPORTS.neighbourLeak, json);
  console.log(
    `   ${neighbour.status} ${neighbour.body.number}` +
      `${neighbour.body.linkedAsDuplicate ? ` (linked: ${neighbour.body.linkedAsDuplicate.reason})` : ' (a new order)'}`,
  );

  const source = integratorSource(integratorId);
  console.log('3. The app sends a CloudEvent: someone is trapped in the lift');
  const lift = await post('/v1/events', cloudEvent(`app-${run}-1`, source, DEMO_REPORTS.trappedInLift), {
    'content-type': 'application/cloudevents+json',
  });
  console.log(`   ${lift.status} ${lift.body.number} tier ${lift.body.tier}`);
  submitted.push(lift.body.workOrderId);

  console.log('4. The front desk sends a batch: a fee question and a report from a site with no roster yet');
  const batch = await post(
    '/v1/events',
    DEMO_REPORTS.frontDesk.map((report, i) => cloudEvent(`desk-${run}-${i + 1}`, source, report)),
    { 'content-type': 'application/cloudevents-batch+json' },
  );
  for (const result of batch.body.results) {
    console.log(`   ${batch.status} ${result.number} tier ${result.tier}`);
    submitted.push(result.workOrderId);
  }

  console.log('5. The WeChat mini-program produces to the Kafka intake topic: a noise complaint');
  const kafka = new Kafka({ clientId: 'closeloop-demo', brokers, logLevel: logLevel.NOTHING });
  await produceToIntake(
    kafka,
    `${topicPrefix}workorders.intake`,
    cloudEvent(`wechat-${run}`, source, DEMO_REPORTS.noise),
  );
  const noise = await waitForOrderCausedBy(`wechat-${run}`);
  console.log(`   ${noise.number} tier ${noise.tier}`);
  submitted.push(noise.workOrderId);

  console.log('6. A broken integration posts a report without a site: it is refused, nothing is written');
  const bad = await post('/v1/reports', { channel: 'phone', description: 'Corridor light out' }, json);
  console.log(
    `   ${bad.status} ${bad.headers.get('content-type')} ${bad.body.code}: ${bad.body.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
  );

  for (const id of submitted) await waitForSettled(id);
  const owners = {};
  for (const id of submitted) owners[id] = (await (await fetch(`${query}/v1/work-orders/${id}`)).json()).technician;

  console.log('7. The plumber works the burst pipe; the resident confirms on the callback (回访) and rates it');
  const pipeId = first.body.workOrderId;
  await act(pipeId, 'acknowledge', owners[pipeId]);
  await act(pipeId, 'start', owners[pipeId]);
  await act(pipeId, 'hold', owners[pipeId], { reason: 'waiting-on-parts', note: 'Replacement valve from the store' });
  await act(pipeId, 'resume', owners[pipeId]);
  await act(pipeId, 'resolve', owners[pipeId], {
    notes: 'Replaced the valve and the flexible hose',
    photoRefs: ['photos/S1/B3-1202/valve.jpg'],
  });
  const closed = await residentSays(first.body.number, 'confirmation', {
    rating: 5,
    comment: 'Fixed within the hour, thank you',
  });
  console.log(`   ${first.body.number} is ${closed.status}`);

  console.log('8. The lift is "fixed", the resident says it is not, the order goes round again and closes');
  const liftId = lift.body.workOrderId;
  await act(liftId, 'acknowledge', owners[liftId]);
  await act(liftId, 'start', owners[liftId]);
  await act(liftId, 'resolve', owners[liftId], { notes: 'Released the passengers, reset the controller' });
  const reopened = await residentSays(liftId, 'rejection', { comment: 'The doors still do not close on floor 7' });
  console.log(`   ${lift.body.number} is ${reopened.status} again`);
  await act(liftId, 'acknowledge', owners[liftId]);
  await act(liftId, 'start', owners[liftId]);
  await act(liftId, 'resolve', owners[liftId], { notes: 'Adjusted the floor-7 door sensor' });
  await residentSays(liftId, 'confirmation', { rating: 4 });

  console.log('9. The neighbour with the noise complaint calls again: "any news?"; the service desk sorts it out');
  await residentSays(noise.workOrderId, 'follow-ups', {
    channel: 'phone',
    caller: { name: 'Ms He' },
    note: 'Any news? The drilling started again at 7:30',
  });
  const desk = owners[noise.workOrderId];
  await act(noise.workOrderId, 'acknowledge', desk);
  await act(noise.workOrderId, 'start', desk);
  await act(noise.workOrderId, 'resolve', desk, {
    notes: 'Spoke to the renovation crew: drilling now starts at 8:00, as the rules say',
  });
  await residentSays(noise.workOrderId, 'confirmation', { rating: 3, comment: 'Better, but it took a second call' });

  console.log(
    '10. An urgent report that nobody picks up: the SLA clock warns, breaches and climbs the chain on its own',
  );
  const ignored = await post(
    '/v1/reports',
    {
      siteId: 'S1',
      building: 'B6',
      unit: `01${run.slice(-2)}`,
      channel: 'phone',
      reporter: { name: 'Mr Qian' },
      description: `Sparking socket and burning smell in the lobby (${run})`,
    },
    json,
  );
  console.log(
    `   ${ignored.body.number} tier ${ignored.body.tier}; nobody acknowledges (demo policy: within 12 s, then a level every 8 s)...`,
  );

  const finalTypes = {
    [pipeId]: 'closeloop.workorder.closed.v1',
    [liftId]: 'closeloop.workorder.closed.v1',
    [noise.workOrderId]: 'closeloop.workorder.closed.v1',
  };
  for (const [id, type] of Object.entries(finalTypes)) await waitForType(id, type);
  submitted.push(ignored.body.workOrderId);
  await waitForSettled(ignored.body.workOrderId);
  if (process.env.SLA_POLICY_FILE?.endsWith('sla-policy.demo.json')) {
    const manager = ON_CALL[1];
    const page = await waitForPage(
      (p) =>
        p.staffId === manager.staffId &&
        p.payload.workOrder.id === ignored.body.workOrderId &&
        p.payload.kind === 'escalation',
      60_000,
    );
    console.log(
      `   ${manager.name} is paged at level 2:\n     ${page.payload.text.split('\n').slice(0, 3).join('\n     ')}`,
    );
    const mail = await waitForMail((m) => m.to.includes(manager.email) && m.raw.includes(page.payload.alertId), 30_000);
    console.log(`   ...and by e-mail to ${manager.email}: "${mail.subject}"`);
    const ack = await globalThis.fetch(page.payload.ackUrl, { method: 'POST' });
    console.log(
      `   ...and acknowledges with the link in the message: ${ack.status} ${(await ack.json()).status}; the chain stops at level 2`,
    );
    await waitForType(ignored.body.workOrderId, 'closeloop.sla.escalation-acknowledged.v1');
    await sleep(9_000); // past the level-3 interval: nothing more is raised
  }

  console.log(`11. A burst main floods three buildings at ${STORM.siteId}: every flat calls at once`);
  const stormOrder = await alertStorm(json);
  if (stormOrder) submitted.push(stormOrder);

  await require('./demo-knowledge-base').deflectedQuestion(post);
  console.log("12. The hotline's app follows its orders: a signed webhook, and the feed replayed from the start");
  await require('./demo-subscriptions')({ intake, notification, apiKey: credentials.apiKey });
  await require('./demo-callers').demoCallers({ intake, query, apiKey: credentials.apiKey, run, staffToken });

  console.log('\nTimelines, as a supervisor reads them (times in Asia/Shanghai):');
  for (const id of submitted) await printTimeline(id);
  await printMonthSoFar();
  await demoResidentLink(first.body.residentLink);
  await residentNoticesDemo({ fetch, query, workOrderId: first.body.workOrderId, number: first.body.number });
  await require('./demo-audit').demoAudit({ fetch, dispatch, query, workOrderId: submitted[0] });
  console.log(`\nFirst report: POST to a complete timeline (assigned, SLA set) in ${endToEndMs} ms.`);
};

const percent = (rate) => (rate === null ? '—' : `${(rate * 100).toFixed(1)} %`);
const minutes = (seconds) => (seconds === null ? '—' : `${(seconds / 60).toFixed(1)} min`);

/**
 * The month so far at S1 as the supervisor's reports read it (docs/reports.md), and its monthly hotline report,
 * saved as the printable page and the PDF under .local/reports.
 */
const printMonthSoFar = async () => {
  const localToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const month = localToday.slice(0, 7);
  const tomorrow = new Date(Date.parse(`${localToday}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const levels = await (
    await fetch(`${query}/v1/reports/service-levels?site=S1&from=${month}-01&to=${tomorrow}`)
  ).json();
  const f = levels.total.current;
  console.log(`\nService levels at S1, ${month}-01 to ${localToday} (GET /v1/reports/service-levels):`);
  console.log(
    `   received ${f.received}, closed ${f.closed}, closure rate ${percent(f.closureRate)}, backlog ${f.backlog.open}`,
  );
  console.log(
    `   response targets met ${percent(f.responseMetRate)} of ${f.responseVerdicts}, resolution ${percent(f.resolutionMetRate)} of ${f.resolutionVerdicts}`,
  );
  console.log(
    `   MTTA ${minutes(f.mtta.medianSeconds)} (median, ${f.mtta.excluded} never acknowledged), MTTR ${minutes(f.mttr.medianSeconds)}, ` +
      `satisfaction ${f.satisfaction.meanRating ?? '—'} of 5 from ${f.satisfaction.rated}, reopen rate ${percent(f.reopenRate)}`,
  );
  console.log(
    `   escalations L1/L2/L3 ${f.escalations.level1}/${f.escalations.level2}/${f.escalations.level3}, follow-up calls ${f.followUpContacts}, duplicates linked ${f.duplicatesLinked}`,
  );
  const monthly = `${query}/v1/reports/monthly?site=S1&month=${month}`;
  mkdirSync('.local/reports', { recursive: true });
  const saved = [];
  for (const [accept, extension] of [
    ['text/html', 'html'],
    ['application/pdf', 'pdf'],
  ]) {
    const response = await fetch(monthly, { headers: { accept } });
    if (!response.ok) throw new Error(`the monthly report as ${accept} answered ${response.status}`);
    const file = `.local/reports/hotline-report-S1-${month}.${extension}`;
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    saved.push(file);
  }
  console.log(`The monthly hotline report: ${monthly} (a supervisor's token; Accept: text/html or application/pdf)`);
  console.log(`   saved as ${saved.join(' and ')}`);
};

main().catch((error) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
