// The on-call person's pager in the benches that measure paging (bench:sla, bench:alerts): an HTTP server that
// records when each alert arrives, by webhook-id, and answers 204 at once (signatures are not checked: figures only).
'use strict';
const { randomBytes, randomUUID } = require('node:crypto');
const { createServer } = require('node:http');

const startWebhookReceiver = async () => {
  const received = new Map();
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      const at = Date.now();
      response.writeHead(204).end();
      const id = String(request.headers['webhook-id']);
      if (received.has(id)) return;
      try {
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        received.set(id, {
          at,
          alertId: payload.alertId,
          kind: payload.kind,
          level: payload.level,
          workOrderId: payload.workOrder?.id,
        });
      } catch {
        // not an alert
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    received,
    url: `http://127.0.0.1:${server.address().port}/oc-bench`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
};

const call = async (method, url, headers, body) => {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return text === '' ? {} : JSON.parse(text);
};

/** Puts one person on call at level 1 of the site all day, every day, paged on the receiver's URL. */
const pageSiteOnReceiver = async ({ notificationUrl, supervisorToken, siteId, receiverUrl }) => {
  const asSupervisor = { authorization: `Bearer ${supervisorToken}` };
  await call('PUT', `${notificationUrl}/v1/on-call/rotations/${randomUUID()}`, asSupervisor, {
    siteId,
    level: 1,
    timeZone: 'Asia/Shanghai',
    handoff: 'daily',
    handoffTime: '09:00',
    startsOn: '2020-01-01',
    members: ['oc-bench'],
  });
  await call('PUT', `${notificationUrl}/v1/on-call/contacts/staff/oc-bench`, asSupervisor, {
    destinations: [{ channel: 'webhook', url: receiverUrl, secrets: [`whsec_${randomBytes(32).toString('base64')}`] }],
  });
};

module.exports = { call, pageSiteOnReceiver, startWebhookReceiver };
