// The demo's audit part (docs/adr/0033-tamper-evident-event-chain.md): one order's hash chain as dispatch recomputes
// it, and the order as it was a moment after it was reported (query's ?asOf=). `fetch` carries the supervisor's token.
'use strict';

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
};

module.exports = { demoAudit };
