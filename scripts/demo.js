#!/usr/bin/env node
// The demo: five residents' reports arrive through every intake path (HTTP, CloudEvents over HTTP, a CloudEvents
// batch, the Kafka intake topic), one is retried, one is malformed; one order goes round the whole loop to a rated
// closure, one is reopened by the resident and closed on the second round, and each order's timeline is printed
// as a supervisor would read it. Expects the services of scripts/stack.js to be running.
'use strict';
const { randomUUID } = require('node:crypto');
const { Kafka, logLevel } = require('kafkajs');

const intake = process.env.INTAKE_URL ?? 'http://127.0.0.1:3001';
const dispatch = process.env.DISPATCH_URL ?? 'http://127.0.0.1:3002';
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
    credentials.apiKey = (await store.register({ integratorId, name: 'Demo hotline, app and front desk', sites: ['S1', 'S9'], eventTypes: ['*'] })).apiKey;
  } finally {
    await pool.end();
  }
  credentials.supervisor = await staffToken({ staffId: 'sup-demo', name: 'Demo Supervisor', roles: ['supervisor'], sites: ['S1', 'S9'] });
};

const staffToken = ({ staffId, name, roles, sites }) => issueStaffToken({ dir: keyDir, issuer, audience, staffId, name, roles, sites, ttlSeconds: 3600 });

/** Intake hears from the integrator; everything else is read by the site supervisor unless a person is named. */
const authorised = (url, headers = {}) => {
  if (headers.authorization || headers['x-api-key']) return headers;
  return url.startsWith(intake) ? { ...headers, 'x-api-key': credentials.apiKey } : { ...headers, authorization: `Bearer ${credentials.supervisor}` };
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
  if (result.status !== 200) throw new Error(`${action} on ${workOrderId} was refused: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
};

const residentSays = async (workOrderId, what, body) => {
  const result = await post(`/v1/work-orders/${workOrderId}/${what}`, body, { 'content-type': 'application/json' });
  if (result.status !== 202) throw new Error(`${what} on ${workOrderId} was refused: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
};

const cloudEvent = (id, source, data) => ({
  specversion: '1.0',
  id,
  source,
  type: 'closeloop.intake.report-submitted.v1',
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  data,
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const waitForSettled = async (workOrderId, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${query}/v1/work-orders/${workOrderId}`);
    if (response.ok) {
      const order = await response.json();
      if ((order.status === 'assigned' || order.status === 'awaiting-dispatch') && order.sla) return order;
    }
    await sleep(100);
  }
  throw new Error(`work order ${workOrderId} was not assigned within ${timeoutMs} ms`);
};

const waitForEscalation = async (workOrderId, level, timeoutMs) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${query}/v1/work-orders/${workOrderId}/sla`);
    if (response.ok && (await response.json()).escalationLevel >= level) return;
    await sleep(250);
  }
  throw new Error(`work order ${workOrderId} did not escalate to level ${level} within ${timeoutMs} ms`);
};

const waitForType = async (workOrderId, type, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${query}/v1/work-orders/${workOrderId}/timeline`);
    if (response.ok && (await response.json()).events.some((e) => e.type === type)) return;
    await sleep(100);
  }
  throw new Error(`${type} did not reach the timeline of ${workOrderId} within ${timeoutMs} ms`);
};

/** The order a Kafka-submitted CloudEvent created or joined, found by the event's id. */
const waitForOrderCausedBy = async (eventId, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${query}/v1/work-orders?causedBy=${encodeURIComponent(eventId)}`);
    const [found] = (await response.json()).items;
    if (found) return found;
    await sleep(100);
  }
  throw new Error(`the Kafka-submitted event ${eventId} did not reach the query side within ${timeoutMs} ms`);
};

const shanghai = (iso, options) => new Date(iso).toLocaleString('en-GB', { timeZone: 'Asia/Shanghai', hour12: false, ...options });
const time = (iso) => `${shanghai(iso, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}.${String(new Date(iso).getMilliseconds()).padStart(3, '0')}`;
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
  console.log(`\n${order.number}  ${order.tier}  ${order.category}  site ${order.siteId}${order.building ? ` building ${order.building}` : ''}  status: ${order.status}${owner}`);
  for (const event of timeline.events) console.log(`  ${time(event.occurredAt)}  ${event.actor.padEnd(48)} ${describeEvent(event)}`);
};

const main = async () => {
  const json = { 'content-type': 'application/json' };
  const submitted = [];
  await registerCredentials();
  console.log(`0. Integrator ${integratorId} registered for sites S1 and S9 (its key is shown once, to the operator, and not here)`);

  console.log('1. A resident phones the hotline: burst pipe (HTTP, with an Idempotency-Key)');
  const startedAt = Date.now();
  const pipe = { siteId: 'S1', building: 'B3', unit: '1202', channel: 'phone', reporter: { name: 'Ms Lin', phone: '13812345678' }, description: 'Burst pipe under the kitchen sink, water on the floor' };
  const first = await post('/v1/reports', pipe, { ...json, 'idempotency-key': `demo-${run}-pipe` });
  console.log(`   ${first.status} ${first.body.number} tier ${first.body.tier}`);
  await waitForSettled(first.body.workOrderId);
  const endToEndMs = Date.now() - startedAt;
  submitted.push(first.body.workOrderId);

  console.log('2. The IVR retries the same call (same key): the same order comes back, not a second one');
  const retry = await post('/v1/reports', pipe, { ...json, 'idempotency-key': `demo-${run}-pipe` });
  console.log(`   ${retry.status} ${retry.body.number} (Idempotent-Replayed: ${retry.headers.get('idempotent-replayed')})`);

  console.log('   The neighbour in the same flat reports the same leak on WeChat: it joins the open order');
  const neighbour = await post('/v1/reports', { ...pipe, channel: 'wechat', reporter: { name: 'Mr Lin', phone: '13900002222' }, description: 'Water pipe burst under our kitchen sink, water on the floor' }, json);
  console.log(`   ${neighbour.status} ${neighbour.body.number}${neighbour.body.linkedAsDuplicate ? ` (linked: ${neighbour.body.linkedAsDuplicate.reason})` : ' (a new order)'}`);

  console.log('3. The app sends a CloudEvent: someone is trapped in the lift');
  const lift = await post('/v1/events', cloudEvent(`app-${run}-1`, integratorSource(integratorId), { siteId: 'S1', building: 'B1', channel: 'app', reporter: { name: 'Mr Zhou', phone: '13900001111' }, description: 'Two people trapped in the lift between floors 7 and 8' }), { 'content-type': 'application/cloudevents+json' });
  console.log(`   ${lift.status} ${lift.body.number} tier ${lift.body.tier}`);
  submitted.push(lift.body.workOrderId);

  console.log('4. The front desk sends a batch: a fee question and a report from a site with no roster yet');
  const batch = await post(
    '/v1/events',
    [
      cloudEvent(`desk-${run}-1`, integratorSource(integratorId), { siteId: 'S1', channel: 'front-desk', category: 'billing', description: 'Why did the property fee go up this quarter?' }),
      cloudEvent(`desk-${run}-2`, integratorSource(integratorId), { siteId: 'S9', building: 'T2', channel: 'front-desk', category: 'access', description: 'Access card for the underground car park stopped working' }),
    ],
    { 'content-type': 'application/cloudevents-batch+json' },
  );
  for (const result of batch.body.results) {
    console.log(`   ${batch.status} ${result.number} tier ${result.tier}`);
    submitted.push(result.workOrderId);
  }

  console.log('5. The WeChat mini-program produces to the Kafka intake topic: a noise complaint');
  const kafka = new Kafka({ clientId: 'closeloop-demo', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: `${topicPrefix}workorders.intake`,
    messages: [{ key: `wechat-${run}`, value: JSON.stringify(cloudEvent(`wechat-${run}`, integratorSource(integratorId), { siteId: 'S1', building: 'B2', unit: '0603', channel: 'wechat', reporter: { name: 'Ms He' }, description: 'Renovation drilling next door before 8 am every day' })) }],
  });
  await producer.disconnect();
  const noise = await waitForOrderCausedBy(`wechat-${run}`);
  console.log(`   ${noise.number} tier ${noise.tier}`);
  submitted.push(noise.workOrderId);

  console.log('6. A broken integration posts a report without a site: it is refused, nothing is written');
  const bad = await post('/v1/reports', { channel: 'phone', description: 'Corridor light out' }, json);
  console.log(`   ${bad.status} ${bad.headers.get('content-type')} ${bad.body.code}: ${bad.body.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);

  for (const id of submitted) await waitForSettled(id);
  const owners = {};
  for (const id of submitted) owners[id] = (await (await fetch(`${query}/v1/work-orders/${id}`)).json()).technician;

  console.log('7. The plumber works the burst pipe; the resident confirms on the callback (回访) and rates it');
  const pipeId = first.body.workOrderId;
  await act(pipeId, 'acknowledge', owners[pipeId]);
  await act(pipeId, 'start', owners[pipeId]);
  await act(pipeId, 'hold', owners[pipeId], { reason: 'waiting-on-parts', note: 'Replacement valve from the store' });
  await act(pipeId, 'resume', owners[pipeId]);
  await act(pipeId, 'resolve', owners[pipeId], { notes: 'Replaced the valve and the flexible hose', photoRefs: ['photos/S1/B3-1202/valve.jpg'] });
  const closed = await residentSays(first.body.number, 'confirmation', { rating: 5, comment: 'Fixed within the hour, thank you' });
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
  await residentSays(noise.workOrderId, 'follow-ups', { channel: 'phone', note: 'Any news? The drilling started again at 7:30' });
  const desk = owners[noise.workOrderId];
  await act(noise.workOrderId, 'acknowledge', desk);
  await act(noise.workOrderId, 'start', desk);
  await act(noise.workOrderId, 'resolve', desk, { notes: 'Spoke to the renovation crew: drilling now starts at 8:00, as the rules say' });
  await residentSays(noise.workOrderId, 'confirmation', { rating: 3, comment: 'Better, but it took a second call' });

  console.log('10. An urgent report that nobody picks up: the SLA clock warns, breaches and climbs the chain on its own');
  const ignored = await post('/v1/reports', { siteId: 'S1', building: 'B6', unit: '0101', channel: 'phone', reporter: { name: 'Mr Qian' }, description: `Sparking socket and burning smell in the lobby (${run})` }, json);
  console.log(`   ${ignored.body.number} tier ${ignored.body.tier}; waiting for escalation level 3 (demo policy: acknowledge within 12 s, then a level every 8 s)...`);

  const finalTypes = { [pipeId]: 'closeloop.workorder.closed.v1', [liftId]: 'closeloop.workorder.closed.v1', [noise.workOrderId]: 'closeloop.workorder.closed.v1' };
  for (const [id, type] of Object.entries(finalTypes)) await waitForType(id, type);
  submitted.push(ignored.body.workOrderId);
  await waitForSettled(ignored.body.workOrderId);
  if (process.env.SLA_POLICY_FILE?.endsWith('sla-policy.demo.json')) await waitForEscalation(ignored.body.workOrderId, 3, 60_000);

  console.log('\nTimelines, as a supervisor reads them (times in Asia/Shanghai):');
  for (const id of submitted) await printTimeline(id);
  console.log(`\nFirst report: POST to a complete timeline (assigned, SLA set) in ${endToEndMs} ms.`);
};

main().catch((error) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
