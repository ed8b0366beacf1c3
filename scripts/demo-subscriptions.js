'use strict';
/**
 * The demo's part of issue 14 item 7 (docs/adr/0030): the demo integrator subscribes a webhook to its site S1, with
 * a receiver in this process that checks every request with the reference standardwebhooks library, reports one more
 * order, counts the signed deliveries that verified, and reads its history from the feed from the start.
 */
const { createServer } = require('node:http');
const { randomUUID } = require('node:crypto');
const { Webhook } = require('standardwebhooks');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const call = async (url, apiKey, init = {}) => {
  const response = await fetch(url, {
    ...init,
    headers: { 'x-api-key': apiKey, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${url} was refused: ${response.status} ${JSON.stringify(body)}`);
  return body;
};

module.exports = async function demoSubscriptions({ intake, notification, apiKey, siteId = 'S1' }) {
  const verified = [];
  let refused = 0;
  let verifier;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      try {
        verified.push(verifier.verify(Buffer.concat(chunks).toString('utf8'), request.headers));
        response.writeHead(204).end();
      } catch {
        refused++;
        response.writeHead(400).end();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  try {
    const subscription = await call(`${notification}/v1/subscriptions`, apiKey, {
      method: 'POST',
      body: JSON.stringify({
        url: `http://127.0.0.1:${server.address().port}/closeloop`,
        sites: [siteId],
        eventTypes: ['*'],
      }),
    });
    verifier = new Webhook(subscription.secret);
    const { workOrderId, number } = await call(`${intake}/v1/reports`, apiKey, {
      method: 'POST',
      body: JSON.stringify({
        siteId,
        building: 'B2',
        unit: randomUUID().slice(0, 4),
        channel: 'app',
        reporter: { name: 'Ms He' },
        description: 'Stairwell light out between floors 5 and 6',
      }),
    });
    const deadline = Date.now() + 20_000;
    while (
      Date.now() < deadline &&
      !verified.some((e) => e.workorderid === workOrderId && /assigned|queued/.test(e.type))
    )
      await sleep(200);
    const types = verified.filter((e) => e.workorderid === workOrderId).map((e) => e.type.split('.')[2]);
    console.log(
      `   Subscribed a webhook to ${siteId}; reported ${number}: ${verified.length} signed deliveries verified with standardwebhooks` +
        ` (${[...new Set(types)].join(', ')})${refused ? `, ${refused} refused` : ''}`,
    );
    const events = [];
    let after = '';
    for (;;) {
      const page = await call(`${intake}/v1/feed?limit=500${after ? `&after=${after}` : ''}`, apiKey);
      if (page.events.length === 0) break;
      events.push(...page.events);
      after = page.next;
    }
    const orders = new Set(events.map((e) => e.workorderid));
    console.log(
      `   The feed from the start: ${events.length} events of ${orders.size} orders in commit order, ` +
        `the last one ${events.at(-1)?.type ?? '(none)'}; GET /v1/feed?after=<next>&wait=25 waits for the next`,
    );
    await call(`${notification}/v1/subscriptions/${subscription.id}`, apiKey, { method: 'DELETE' }).catch(
      () => undefined,
    );
  } finally {
    server.close();
  }
};
