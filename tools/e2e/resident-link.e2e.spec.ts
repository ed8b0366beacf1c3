import { join } from 'node:path';
import { EventTypes } from '@closeloop/contracts';
import { eventually, repositoryRoot } from '@closeloop/testing';
import type { Page } from 'playwright-core';
import { browserAround, seriousAccessibilityViolations } from './console-browser';
import { asStaff, get, orderInStatus, post, reportOrder, testStackAround, urls, type TestStack } from './test-stack';

// A resident follows their repair on the status link a report is answered with (docs/adr/0026-resident-status-links.md),
// through the real services: intake's link, query's JSON through the console's proxy, the console's page in
// Chromium on a phone-sized screen, and the resident's 4 stars closing the order.

const PHONE = { width: 390, height: 844 };

interface Reported {
  readonly workOrderId: string;
  readonly number: string;
  readonly residentLink: string;
  readonly token: string;
}

const burstPipe = async (): Promise<Reported> => {
  const accepted = await reportOrder({
    building: '3栋',
    channel: 'phone',
    category: 'plumbing',
    description: '厨房水槽下水管爆裂，水流满地',
    reporter: { name: '林女士', phone: '13812345678' },
  });
  expect(accepted.status).toBe(202);
  const residentLink = accepted.body['residentLink'] as string;
  return {
    workOrderId: accepted.body['workOrderId'] as string,
    number: accepted.body['number'] as string,
    residentLink,
    token: residentLink.split('/').pop() as string,
  };
};

/** The resident's view as the page asks for it: through the console's proxy, with no credential. */
const residentView = async (token: string) => {
  const response = await fetch(`${urls.console}/api/query/v1/resident/orders/${token}`, {
    headers: { 'x-correlation-id': 'resident-e2e' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const viewWithSteps = (token: string, steps: readonly string[]) =>
  eventually(`the resident's view to show ${steps.join(', ')}`, async () => {
    const { status, body } = await residentView(token);
    const shown = ((body['steps'] as { step: string }[] | undefined) ?? []).map((s) => s.step);
    return status === 200 && steps.every((s) => shown.includes(s)) ? body : undefined;
  });

const act = (workOrderId: string, action: string, headers: Record<string, string>, body: unknown = {}) =>
  post(`${urls.dispatch}/v1/work-orders/${workOrderId}/${action}`, body, headers);

/** Waits until the page, refreshing itself, shows the text (a poll comes every 10 s). */
const shows = (page: Page, text: string) => page.getByText(text, { exact: false }).first().waitFor({ timeout: 30_000 });

/** As an impatient resident would: taps 刷新 (refresh) until the page shows the text. */
const refreshedTo = async (page: Page, text: string): Promise<void> => {
  const target = page.getByText(text, { exact: false }).first();
  const deadline = Date.now() + 30_000;
  while (!(await target.isVisible())) {
    if (Date.now() > deadline) throw new Error(`the resident page never showed "${text}"`);
    await page.getByRole('button', { name: '刷新' }).click();
    await target.waitFor({ timeout: 1_000 }).catch(() => undefined);
  }
};

describe('the resident’s status link through the running services', () => {
  const stack: () => TestStack = testStackAround('e2e-resident-link');
  const browser = browserAround();

  it('answers a report with a link to the console’s page, whose JSON and page show each step as it happens, and closes the order with the resident’s 4 stars', async () => {
    // Several waits for the page's own 10-second refresh, on a machine shared with other stacks.
    const order = await burstPipe();
    expect(order.residentLink).toBe(`${urls.console}/r/${order.token}`);
    expect(order.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The page is the resident's own: resident.html, none of the staff console's bundle.
    const html = await fetch(order.residentLink, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    const page = await html.text();
    expect(page).toContain('/assets/resident-');
    expect(page).not.toMatch(/assets\/(index|vendor|echarts)-/);

    const assigned = await orderInStatus(order.workOrderId, 'assigned');
    const technician = assigned['technician'] as { staffId: string; name: string };
    const headers = await asStaff(technician.staffId, technician.name);
    const first = await viewWithSteps(order.token, ['received', 'assigned']);
    expect(first).toMatchObject({
      number: order.number,
      status: 'assigned',
      actions: { confirm: false, reject: false, note: true },
      due: { at: expect.any(String), paused: false },
    });
    const text = JSON.stringify(first);
    for (const hidden of [technician.staffId, '13812345678', '林女士', order.workOrderId])
      expect(text).not.toContain(hidden);

    const context = await browser().newContext({ locale: 'zh-CN', viewport: PHONE, hasTouch: true, isMobile: true });
    const resident = await context.newPage();
    try {
      await resident.goto(order.residentLink);
      await resident.getByRole('heading', { name: '报修进度' }).waitFor();
      await shows(resident, `工单编号 ${order.number}`);
      await shows(resident, '已安排维修人员');
      await shows(resident, '已收到您的报修');
      const given = technician.name.split(/\s+/).slice(1).join(' ') || technician.name;
      await shows(resident, `已派给${given}`);
      expect(await seriousAccessibilityViolations(resident)).toEqual([]);

      expect((await act(order.workOrderId, 'acknowledge', headers)).status).toBe(200);
      await shows(resident, '正在赶来');
      expect((await act(order.workOrderId, 'start', headers)).status).toBe(200);
      await refreshedTo(resident, '开始维修');
      expect((await act(order.workOrderId, 'hold', headers, { reason: 'waiting-on-parts' })).status).toBe(200);
      await refreshedTo(resident, '暂停维修：等待配件');
      expect((await act(order.workOrderId, 'resume', headers)).status).toBe(200);
      await refreshedTo(resident, '继续维修');

      // The resident adds a note from the page; it lands on the order's timeline as theirs.
      await resident.getByLabel('说明', { exact: true }).fill('晚上六点后家里有人');
      await resident.getByRole('button', { name: '提交补充' }).click();
      await shows(resident, '您补充了：晚上六点后家里有人');

      expect(
        (await act(order.workOrderId, 'resolve', headers, { notes: '更换了爆裂的水管和角阀', photoRefs: [] })).status,
      ).toBe(200);
      await refreshedTo(resident, '已修好，请您确认');
      await shows(resident, '维修完成：更换了爆裂的水管和角阀');
      expect(await seriousAccessibilityViolations(resident)).toEqual([]);
      // For a person to look at (not asserted): the page as the resident sees it when asked to confirm.
      await resident.screenshot({ path: join(repositoryRoot, '.local', 'resident-page.png'), fullPage: true });

      // Four stars from the page close the order, as the callback (回访) would.
      await resident.getByRole('radio', { name: '4 星（满分 5 星）' }).check();
      await resident.getByLabel('评价（选填）').fill('修得很快');
      await resident.getByRole('button', { name: '确认已修好' }).click();
      await shows(resident, '您已确认修好，评分 4 星');
      await shows(resident, '已完成');
      const closed = await orderInStatus(order.workOrderId, 'closed');
      expect(closed['closure']).toMatchObject({ outcome: 'confirmed', rating: 4, comment: '修得很快' });
      expect(await seriousAccessibilityViolations(resident)).toEqual([]);

      // English on request, remembered for the next visit.
      await resident.getByRole('button', { name: '切换为英文' }).click();
      await shows(resident, 'You confirmed the repair and rated it 4 of 5');
    } finally {
      await context.close();
    }

    const timeline = await get(`${urls.query}/v1/work-orders/${order.workOrderId}/timeline`);
    const events = timeline.body['events'] as { type: string; actor: string; data: Record<string, unknown> }[];
    expect(events.filter((e) => e.actor === 'resident:via:status-link').map((e) => e.type)).toEqual([
      EventTypes.ResidentNoteAdded,
      EventTypes.WorkOrderClosed,
    ]);
  }, 300_000);

  it('answers an unknown and an expired link alike, through the console as to the service', async () => {
    const order = await burstPipe();
    await viewWithSteps(order.token, ['received']);
    // Closed 31 days ago, as far as the read side knows: the order is reported, resolved and closed at once, then its
    // closing moved back in the query's own timeline (the services cannot be made to wait a month).
    const assigned = await orderInStatus(order.workOrderId, 'assigned');
    const technician = assigned['technician'] as { staffId: string; name: string };
    const headers = await asStaff(technician.staffId, technician.name);
    for (const action of ['acknowledge', 'start'])
      expect((await act(order.workOrderId, action, headers)).status).toBe(200);
    expect((await act(order.workOrderId, 'resolve', headers, { notes: 'Sealed', photoRefs: [] })).status).toBe(200);
    const confirmed = await fetch(`${urls.console}/api/intake/v1/resident/orders/${order.token}/confirmation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rating: 5 }),
    });
    expect(confirmed.status).toBe(202);
    await viewWithSteps(order.token, ['closed']);
    const monthAgo = new Date(Date.now() - 31 * 24 * 3600 * 1000).toISOString();
    await stack().db.pool.query(
      `UPDATE query_timeline SET data = jsonb_set(data, '{closedAt}', to_jsonb($2::text))
        WHERE work_order_id = $1 AND event_type = $3`,
      [order.workOrderId, monthAgo, EventTypes.WorkOrderClosed],
    );

    const unknown = (await burstPipe()).token.split('').reverse().join('');
    const answers = [];
    for (const token of [order.token, unknown, 'short']) {
      const { status, body } = await residentView(token);
      const { instance: _instance, ...rest } = body;
      answers.push({ status, rest });
    }
    expect(answers[0]).toMatchObject({ status: 404, rest: { code: 'NOT_FOUND', correlationId: 'resident-e2e' } });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });
});
