import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { allDayRotation, eventually } from '@closeloop/testing';
import { browserAround, LAPTOP, openConsoleAs, seriousAccessibilityViolations } from './console-browser';
import { get, put, reportOrder, testStackAround, urls } from './test-stack';

// A demo-speed policy on a continuous clock: an urgent order must be acknowledged within 6 s, a normal one within
// 30 s, so within a minute orders sit in different bands. Level 2 comes five minutes after level 1, well after the
// spec ends, so the acknowledgement finds level 1 alone: the first test alone waits 15 s for the normal order's
// band, and on a loaded machine a 20 s interval raised level 2 before the page was clicked.
const policyFile = join(mkdtempSync(join(tmpdir(), 'console-at-risk-')), 'sla-policy.json');
writeFileSync(
  policyFile,
  JSON.stringify({
    id: 'e2e-console-at-risk',
    warningFraction: 0.5,
    tiers: {
      urgent: { responseSeconds: 6, resolutionSeconds: 600, escalationIntervalsSeconds: [300, 300] },
      normal: { responseSeconds: 30, resolutionSeconds: 600, escalationIntervalsSeconds: [60, 60] },
      planned: { responseSeconds: 600, resolutionSeconds: 1200, escalationIntervalsSeconds: [60, 60] },
    },
  }),
);

const SUPERVISOR_ON_CALL = { staffId: 'sup-chen', name: '陈主管', roles: ['supervisor' as const, 'on-call' as const] };
const MANAGER_ON_CALL = 'mgr-zhao';

/** A receiver that takes every page it is sent, so the alerts' deliveries succeed. */
const receiver: Server = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(204).end());
});

const report = async (building: string, description: string): Promise<{ id: string; number: string }> => {
  const accepted = await reportOrder({ building, channel: 'phone', description, reporter: { name: '王女士' } });
  expect(accepted.status).toBe(202);
  const id = accepted.body['workOrderId'] as string;
  const order = await eventually(`order ${id} in the query service`, async () => {
    const result = await get(`${urls.query}/v1/work-orders/${id}`);
    return result.status === 200 ? result.body : undefined;
  });
  return { id, number: order['number'] as string };
};

/** The band tab whose label starts with `label`, and the count its label gives. */
const bandTab = (page: Page, label: string) => page.getByRole('tab', { name: new RegExp(`^${label}（\\d+）$`) });
const countIn = async (page: Page, label: string): Promise<number> =>
  Number(/（(\d+)）/.exec(await bandTab(page, label).innerText())?.[1]);
/** The data rows of the tab panel showing (the header row aside; an empty table's placeholder row aside). */
const rowsShown = (page: Page) =>
  page
    .getByRole('tabpanel')
    .getByRole('row')
    .filter({ has: page.getByRole('link') });

describe('the at-risk list and the on-call page in Chromium', () => {
  testStackAround('console-at-risk', {
    SLA_POLICY_FILE: policyFile,
    TIMER_POLL_MILLIS: '100',
    ALERT_POLL_MILLIS: '100',
    ALERT_RENOTIFY_SECONDS: '0',
  });
  const browser = browserAround();
  let lift: { id: string; number: string };
  let leak: { id: string; number: string };

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    for (const [level, staffId] of [
      [1, SUPERVISOR_ON_CALL.staffId],
      [2, MANAGER_ON_CALL],
    ] as const) {
      const rotation = await put(
        `${urls.notification}/v1/on-call/rotations/${randomUUID()}`,
        allDayRotation('S1', level, [staffId]),
      );
      expect(rotation.status).toBe(200);
      const contacts = await put(`${urls.notification}/v1/on-call/contacts/staff/${staffId}`, {
        destinations: [
          {
            channel: 'webhook',
            url: `${webhook}/${staffId}`,
            secrets: [`whsec_${randomBytes(24).toString('base64')}`],
          },
        ],
      });
      expect(contacts.status).toBe(200);
    }
    lift = await report('3号楼', '3号楼2单元电梯困人，两位住户被困在5楼与6楼之间');
    leak = await report('5号楼', '5号楼1单元楼道天花板渗水，墙面起皮');
    // Beside them, as a desk would have: another urgent order, which breaches too.
    await report('2号楼', '2号楼地下车库消防管爆管漫水');
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('shows the lift entrapment breached at level 1 with who was paged, counts that match the rows, and no serious axe violations', async () => {
    const { context, page } = await openConsoleAs(browser(), '/at-risk?site=S1', SUPERVISOR_ON_CALL);
    try {
      await page.getByRole('heading', { name: '超时预警' }).waitFor();
      await bandTab(page, '已超时').click();
      const row = rowsShown(page).filter({ hasText: lift.number });
      // Breached, escalated to level 1, and the supervisor on call paged for it: the list refreshes by itself.
      await row
        .filter({ hasText: '一级 · 项目值班主管' })
        .filter({ hasText: 'sup-chen · 1级' })
        .waitFor({ timeout: 40_000 });
      await expect(row.getByRole('link', { name: lift.number }).getAttribute('href')).resolves.toBe(
        `/orders/${lift.id}?site=S1`,
      );
      expect(await row.innerText()).toContain('紧急');
      // A later report, still under half its target when the list is shot.
      await report('1号楼', '1号楼大堂门禁刷卡无反应，住户无法进出');
      await eventually('the breached tab to count its rows', async () =>
        (await countIn(page, '已超时')) === (await rowsShown(page).count()) ? true : undefined,
      );

      // The normal order reaches half its 30 s and joins the list of all at risk.
      await bandTab(page, '全部预警').click();
      await rowsShown(page).filter({ hasText: leak.number }).waitFor({ timeout: 40_000 });
      if (process.env['CONSOLE_SCREENSHOTS'])
        await page.screenshot({ path: join(process.env['CONSOLE_SCREENSHOTS'], 'console-at-risk.png') });
      await eventually('the all-at-risk tab to count its rows and the bands', async () => {
        const all = await countIn(page, '全部预警');
        const bands = await Promise.all(
          ['已超时', '已用 90% 以上', '已用 75–90%', '已用 50–75%'].map((b) => countIn(page, b)),
        );
        return all === (await rowsShown(page).count()) && all === bands.reduce((a, b) => a + b, 0) ? true : undefined;
      });
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('shows who is on call and the alert for the order, and acknowledges it from the page', async () => {
    const { context, page } = await openConsoleAs(browser(), '/on-call?site=S1', SUPERVISOR_ON_CALL);
    try {
      await page.getByRole('heading', { name: '值班与告警' }).waitFor();
      await page.getByRole('row', { name: /^一级 · 项目值班主管\s*sup-chen/ }).waitFor();
      await page.getByRole('row', { name: /^二级 · 客服经理\s*mgr-zhao/ }).waitFor();
      await page.getByRole('row', { name: /^三级 · 运营负责人\s*无人值班/ }).waitFor();

      const alertRow = page
        .getByRole('row')
        .filter({ has: page.getByRole('link', { name: lift.number }) })
        .filter({ hasText: '超时升级 · 响应' })
        .filter({ hasText: '一级 · 项目值班主管' });
      await alertRow.filter({ hasText: 'sup-chen · Webhook · 已送达' }).waitFor({ timeout: 30_000 });
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      await page.getByRole('button', { name: `确认工单 ${lift.number} 的超时升级告警` }).click();
      await page.getByRole('status').filter({ hasText: '已确认' }).waitFor();
      await alertRow.filter({ hasText: '陈主管 已于' }).waitFor();
      expect(await page.getByRole('button', { name: `确认工单 ${lift.number} 的超时升级告警` }).count()).toBe(0);

      const { body } = await get(`${urls.notification}/v1/alerts?workOrderId=${lift.id}`);
      const escalation = (
        body['alerts'] as { kind: string; level: number; status: string; acknowledgedBy: unknown }[]
      ).filter((a) => a.kind === 'escalation' && a.level === 1);
      expect(escalation).toEqual([
        expect.objectContaining({ status: 'acknowledged', acknowledgedBy: { staffId: 'sup-chen', name: '陈主管' } }),
      ]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('is usable 768 pixels wide: the rows and their links are on screen, nothing runs off the page', async () => {
    const tablet = { width: 768, height: 1024 };
    for (const path of ['/at-risk?site=S1', '/on-call?site=S1']) {
      const { context, page } = await openConsoleAs(browser(), path, SUPERVISOR_ON_CALL, { viewport: tablet });
      try {
        const link = page.getByRole('link', { name: lift.number }).first();
        await link.waitFor();
        await link.click();
        await page.waitForURL(`**/orders/${lift.id}?site=S1`);
        await page.goBack();
        await link.waitFor();
        // A string, as this spec is compiled without the DOM's types.
        const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow).toBeLessThanOrEqual(0);
      } finally {
        await context.close();
      }
    }
  }, 60_000);

  it('tells a technician in words that alerts are not theirs to see', async () => {
    const { context, page } = await openConsoleAs(
      browser(),
      '/on-call?site=S1',
      {
        staffId: 's1-wang-wei',
        roles: ['technician'],
      },
      { viewport: LAPTOP },
    );
    try {
      await page.getByText('您的角色无权查看此页面。').waitFor();
    } finally {
      await context.close();
    }
  });
});
