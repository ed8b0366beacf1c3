'use strict';
// What the burst-pipe resident was told (docs/adr/0027-resident-step-notices.md): one line per step, from the SMS
// the notification service sent to this demo's stand-in for Twilio, and from the order's timeline where a step was
// not sent (say, with no SMS provider configured). The stand-in listens from the moment this file is required,
// before the demo reports anything, on DEMO_SMS_PORT (2526), where scripts/up.sh points SMS_TWILIO_BASE_URL.
const { createServer } = require('node:http');

const texts = [];
const port = Number(process.env.DEMO_SMS_PORT ?? 2526);
const inbox = createServer((request, response) => {
  const chunks = [];
  request.on('data', (c) => chunks.push(c));
  request.on('end', () => {
    if (!/\/Messages\.json$/.test(request.url ?? '')) return response.writeHead(404).end();
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    texts.push({ to: form.get('To') ?? '', body: form.get('Body') ?? '' });
    response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${texts.length}` }));
  });
});
// Another demo already listening there, or no SMS configured: the timeline still says what happened.
inbox.on('error', () => undefined);
inbox.listen(port, '127.0.0.1');
inbox.unref();

const STEPS = ['received', 'assigned', 'started', 'on-hold', 'resolved', 'closed'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A resident's number as the demo may print it, and a status link without its token. */
const masked = (phone) => phone.replace(/^(\+86)?(1\d{2})\d{4}(\d{4})$/, '$2****$3');
const shortened = (text) => text.replace(/(\/r\/)([A-Za-z0-9_-]{6})[A-Za-z0-9_-]+/g, '$1$2…');

/** Prints what the reporter of one order was told of each step; `fetch` carries the demo's staff credentials. */
module.exports = async function residentNoticesDemo({ fetch, query, workOrderId, number }) {
  let notices = [];
  for (let tries = 0; tries < 60; tries++) {
    const response = await fetch(`${query}/v1/work-orders/${workOrderId}/timeline`);
    const { events = [] } = response.ok ? await response.json() : {};
    notices = events.filter(
      (e) => e.type.startsWith('closeloop.resident-notice.') && e.type !== 'closeloop.resident-notice.deferred.v1',
    );
    if (STEPS.every((step) => notices.some((n) => n.data.step === step))) break;
    await sleep(500);
  }
  console.log(`\nWhat the resident of ${number} was told (step notices, ADR 27):`);
  const ours = texts.filter((t) => t.body.includes(number));
  for (const step of STEPS) {
    const notice = notices.find((n) => n.data.step === step);
    if (notice?.type === 'closeloop.resident-notice.sent.v1') {
      const text = ours.shift();
      console.log(
        `   ${step.padEnd(8)} ${notice.data.channel} to ${text ? masked(text.to) : notice.data.destination}: ${text ? shortened(text.body) : '(sent)'}`,
      );
    } else if (notice) {
      console.log(`   ${step.padEnd(8)} not sent by ${notice.data.channel}: ${notice.data.reason}`);
    } else {
      console.log(`   ${step.padEnd(8)} (nothing yet)`);
    }
  }
};
