// The demo's resident: Ms Lin follows her burst pipe on the status link her report was answered with
// (docs/adr/0026-resident-status-links.md). Prints the link and what her page says now, read as the page reads it:
// through the console's proxy, with no credential but the link.
'use strict';

/** The page's status line, in its own words (apps/console/web/src/pages/resident/messages.ts). */
const STATUS_WORDS = {
  reported: '已收到您的报修 We have your report',
  triaged: '已收到您的报修 We have your report',
  'awaiting-dispatch': '正在为您安排维修人员 Finding a technician for you',
  assigned: '已安排维修人员 A technician has been assigned',
  acknowledged: '维修人员已接单，正在赶来 The technician is on the way',
  'in-progress': '正在维修 The repair is under way',
  'on-hold': '维修暂停 The repair is paused',
  resolved: '已修好，请您确认 Repaired: please confirm',
  closed: '已完成 Done',
  cancelled: '已撤销 Cancelled',
};

/** Shows the resident's link of an order (a report's `residentLink`) and its page's status line. */
const demoResidentLink = async (residentLink) => {
  const { origin, pathname } = new URL(residentLink);
  const token = pathname.split('/').pop();
  const response = await globalThis.fetch(`${origin}/api/query/v1/resident/orders/${token}`);
  if (!response.ok) throw new Error(`the resident's view answered ${response.status}`);
  const order = await response.json();
  const last = order.steps.at(-1);
  const rating = last?.rating === undefined ? '' : `, rated ${last.rating} of 5`;
  console.log('Ms Lin follows her burst pipe on the link her report was answered with (no account, no app):');
  console.log(`   ${residentLink}`);
  console.log(
    `   ${order.number}: ${STATUS_WORDS[order.status] ?? order.status} (${order.steps.length} steps${rating})`,
  );
};

module.exports = { demoResidentLink };
