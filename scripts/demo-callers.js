// The priority lane and caller recognition (docs/adr/0028), as `npm run up`'s demo shows them: a dispatcher
// registers Mrs Zhao, 82 and living alone; her ordinary tap leak is triaged urgent, saying why; when she rings,
// the caller lookup knows her.

/**
 * @param {{ intake: string, query: string, apiKey: string, run: string,
 *           staffToken: (staff: { staffId: string, name: string, roles: string[], sites: string[] }) => Promise<string> }} options
 */
const demoCallers = async ({ intake, query, apiKey, run, staffToken }) => {
  const token = await staffToken({ staffId: 's1-zhao-lei', name: 'Zhao Lei', roles: ['dispatcher'], sites: ['S1'] });
  const staff = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = async (url, init = {}) => {
    const response = await fetch(url, init);
    const body = await response.json();
    if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body)}`);
    return body;
  };
  const unit = `07${run.slice(-2)}`;
  const phone = `1391234${run.slice(-4).replace(/\D/g, '0').padStart(4, '0')}`;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const reviewOn = new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10);

  console.log('12. The priority lane: a dispatcher registers Mrs Zhao, 82, living alone in B3-' + unit);
  const registered = await call(`${intake}/v1/residents`, {
    method: 'POST',
    headers: staff,
    body: JSON.stringify({
      siteId: 'S1',
      building: 'B3',
      unit,
      phone,
      name: 'Zhao Lan',
      need: 'elderly-living-alone',
      consent: { givenBy: 'her daughter, Zhao Min', givenOn: today },
      reviewOn,
    }),
  });
  console.log(
    `   registered ${registered.phone} (${registered.need}) until ${registered.reviewOn}, phone kept only as a digest`,
  );

  const leak = await call(`${intake}/v1/reports`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      siteId: 'S1',
      building: 'B3',
      unit,
      channel: 'phone',
      category: 'plumbing',
      reporter: { name: 'Zhao Lan', phone },
      description: `The bathroom tap is leaking (${run})`,
    }),
  });
  let order;
  for (let i = 0; i < 100 && !order?.triage; i++) {
    const response = await fetch(`${query}/v1/work-orders/${leak.workOrderId}`, { headers: staff });
    if (response.ok) order = await response.json();
    if (!order?.triage) await new Promise((r) => setTimeout(r, 100));
  }
  console.log(
    `   her leak ${leak.number} is ${leak.tier}: ${order?.triage?.reason.split('. ')[0] ?? '(not on the read side yet)'}`,
  );

  const caller = await call(`${query}/v1/callers/${encodeURIComponent(phone)}?site=S1`, { headers: staff });
  console.log(
    `   she rings: GET /v1/callers/${caller.phone} shows ${caller.openOrders.length} open order(s), ` +
      `${caller.recentOrders.length} in 12 months, repeat ${caller.repeatComplaint.likely ? 'likely' : 'no'}, ` +
      `priority lane ${caller.priority.registered ? caller.priority.registrations.map((r) => r.need).join(', ') : 'no'}`,
  );
};

module.exports = { demoCallers };
