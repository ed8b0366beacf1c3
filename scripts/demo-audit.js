// The demo's audit part (docs/adr/0033-tamper-evident-event-chain.md): one order's hash chain as dispatch recomputes
// it, and the order as it was a moment after it was reported (query's ?asOf=). `fetch` carries the supervisor's token.
'use strict';
const { mkdirSync, writeFileSync } = require('node:fs');

const demoAudit = async ({ fetch, dispatch, query, workOrderId }) => {
  const response = await fetch(`${dispatch}/v1/work-orders/${workOrderId}/audit`);
  if (!response.ok) throw new Error(`the audit of ${workOrderId} answered ${response.status}`);
  const audit = await response.json();
  const broken = audit.firstBreak ? `, first break at v${audit.firstBreak.version} (${audit.firstBreak.reason})` : '';
  console.log(`\nAudit of ${workOrderId} (GET /v1/work-orders/{id}/audit on dispatch):`);
  console.log(
    `   ${audit.events.length} events, chain ${audit.verifies ? 'verifies' : 'BROKEN'}${broken}; head ${audit.headHash}`,
  );
  const reportedAt = audit.events[0].time;
  const then = new Date(Date.parse(reportedAt) + 1).toISOString();
  const asOf = await (await fetch(`${query}/v1/work-orders/${workOrderId}?asOf=${then}`)).json();
  const now = await (await fetch(`${query}/v1/work-orders/${workOrderId}`)).json();
  console.log(`   as of ${then} it was ${asOf.status}; now it is ${now.status} (GET /v1/work-orders/{id}?asOf=)`);

  // The signed record for a dispute, saved as a resident's advocate would keep it, and checked with the public key.
  const record = await (await fetch(`${query}/v1/work-orders/${workOrderId}/record`)).json();
  const { keys } = await (await globalThis.fetch(`${query}/.well-known/closeloop-signing-key`)).json();
  const { verifyRecordSignature } = require('../libs/auth/dist');
  const verifies = verifyRecordSignature(record, keys.find((k) => k.kid === record.signature.kid) ?? keys[0]);
  mkdirSync('.local/records', { recursive: true });
  const file = `.local/records/work-order-record-${record.workOrder.number}.json`;
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(
    `   signed record saved as ${file}: signature ${verifies ? 'verifies' : 'DOES NOT VERIFY'} (npm run -s admin -- audit check-record ${file})`,
  );
};

module.exports = { demoAudit };
