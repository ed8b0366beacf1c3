'use strict';

/**
 * One question the site's knowledge base answers without an order (issue 14, item 5; ADR 0029): a resident asks in
 * the WeChat mini-program how to pay the property fee. `post` is the demo's intake POST, as the integrator.
 */
const deflectedQuestion = async (post) => {
  const asked = await post(
    '/v1/inquiries',
    { site: 'S1', text: '物业费怎么交？', channel: 'wechat', reporter: { name: '王女士' }, building: 'B3' },
    { 'content-type': 'application/json' },
  );
  if (asked.status !== 200)
    throw new Error(`the fee question was not answered: ${asked.status} ${JSON.stringify(asked.body)}`);
  const { answer, confidence } = asked.body;
  console.log(
    `Self-service: a resident asks "物业费怎么交？" in the mini-program: answered without an order (confidence ${confidence})`,
  );
  console.log(`   ${answer.zh.slice(0, 60)}…`);
};

module.exports = { deflectedQuestion };
