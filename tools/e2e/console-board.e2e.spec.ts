import { join } from 'node:path';
import { repositoryRoot } from '@closeloop/testing';
import type { Locator, Page } from 'playwright-core';
import { browserAround, LAPTOP, openConsoleAs, seriousAccessibilityViolations } from './console-browser';
import { asStaff, orderInStatus, post, testStackAround, urls } from './test-stack';

/** The columns as a Chinese supervisor reads them, in the board's order. */
const COLUMNS = ['已受理', '待派单', '已派单', '已接单', '处理中', '挂起', '已办结待确认'] as const;
type Column = (typeof COLUMNS)[number];

const SUPERVISOR = { staffId: 's1-sup-li', name: '李主管', roles: ['supervisor' as const], sites: ['S1'] };

/** A column of the board, named by its heading ("已接单 2 张工单"). */
const column = (page: Page, name: Column): Locator => page.getByRole('region', { name: new RegExp(`^${name} `) });

/** A card, named by its order's number. */
const card = (scope: Page | Locator, number: string): Locator => scope.getByRole('article', { name: number });

/** A resident's report at intake, on S1; each from a flat of its own, so that duplicate detection joins none. */
const report = async (details: {
  building: string;
  unit: string;
  channel: string;
  description: string;
  category?: string;
}) => {
  const accepted = await post(`${urls.intake}/v1/reports`, {
    siteId: 'S1',
    reporter: { name: '林女士', phone: '13812345678' },
    ...details,
  });
  expect(accepted.status).toBe(202);
  return { workOrderId: accepted.body['workOrderId'] as string, number: accepted.body['number'] as string };
};

/** The technician an order was assigned to, once it is, as request headers. */
const itsTechnician = async (workOrderId: string): Promise<Record<string, string>> => {
  const { technician } = (await orderInStatus(workOrderId, 'assigned')) as {
    technician: { staffId: string; name: string };
  };
  return asStaff(technician.staffId, technician.name);
};

/** Takes an order through the given steps as the given staff member, each answered 200. */
const act = async (
  workOrderId: string,
  headers: Record<string, string>,
  ...steps: readonly (readonly [action: string, body: Record<string, unknown>])[]
) => {
  for (const [action, body] of steps) {
    const answer = await post(`${urls.dispatch}/v1/work-orders/${workOrderId}/${action}`, body, headers);
    expect({ action, status: answer.status }).toEqual({ action, status: 200 });
  }
};

describe('the board in Chromium: open orders by status, live', () => {
  testStackAround('console-board');
  const browser = browserAround();
  let seeded: Awaited<ReturnType<typeof report>>[] = [];

  // A site's afternoon, as DOMAIN.md describes its hotline: repairs, a complaint, a consultation, in several states.
  // Every category here has someone on shift at any hour of the week (the shipped roster's one gap, lighting on a
  // Sunday by day, goes to the dispatcher queue: routing.unit.spec), so the run does not depend on when it starts.
  beforeAll(async () => {
    const [lift, breaker, noise, fees, drain, parking] = await Promise.all([
      report({ building: '5栋', unit: '2单元', channel: 'phone', description: '电梯困人，两位老人被困在8楼和9楼之间' }),
      report({
        building: '2栋',
        unit: '1单元',
        channel: 'wechat',
        category: 'electrical',
        description: '楼道配电箱跳闸，整层走廊断电',
      }),
      report({ building: '7栋', unit: '602', channel: 'app', description: '楼上装修噪音扰民，中午也在用电钻' }),
      report({
        building: '1栋',
        unit: '101',
        channel: 'front-desk',
        category: 'billing',
        description: '咨询物业费缴纳方式和发票开具',
      }),
      report({
        building: '3栋',
        unit: '905',
        channel: 'phone',
        category: 'plumbing',
        description: '卫生间下水道堵塞，排水很慢',
      }),
      report({
        building: '地下车库',
        unit: 'B2',
        channel: 'phone',
        category: 'parking',
        description: '消防通道被私家车长期占用',
      }),
    ]);
    type Step = Parameters<typeof act>[2];
    const asItsTechnician = async ({ workOrderId }: { workOrderId: string }, ...steps: Step[]) =>
      act(workOrderId, await itsTechnician(workOrderId), ...steps);
    await Promise.all([
      asItsTechnician(
        breaker!,
        ['acknowledge', {}],
        ['start', {}],
        ['resolve', { notes: '更换跳闸的空气开关，已恢复供电' }],
      ),
      asItsTechnician(
        drain!,
        ['acknowledge', {}],
        ['start', {}],
        ['hold', { reason: 'waiting-on-parts', note: '需更换存水弯，配件明天到' }],
      ),
      asItsTechnician(lift!, ['acknowledge', {}]),
    ]);
    seeded = [lift!, breaker!, noise!, fees!, drain!, parking!];
  }, 120_000);

  it('shows a report within 2 s without reloading, moves its card as its technician acknowledges and starts it, and filters with counts that agree', async () => {
    const { context, page } = await openConsoleAs(browser(), '/?site=S1', SUPERVISOR);
    try {
      await page.getByRole('status').filter({ hasText: '实时更新中' }).waitFor();
      await Promise.all(seeded.map(({ number }) => card(page, number).waitFor()));
      // A reload would start a new document and lose this mark.
      await page.evaluate(() => Object.assign(globalThis, { boardNeverReloaded: true }));

      const burst = await report({
        building: '3栋',
        unit: '1202',
        channel: 'phone',
        description: '厨房爆管，地面漫水',
      });
      const answeredAt = Date.now();
      await card(page, burst.number).waitFor({ timeout: 2_000 });
      console.log(
        `console board: the new report's card was visible ${Date.now() - answeredAt} ms after POST /v1/reports answered`,
      );

      await card(column(page, '已派单'), burst.number).waitFor();
      const technician = await itsTechnician(burst.workOrderId);
      await act(burst.workOrderId, technician, ['acknowledge', {}]);
      await card(column(page, '已接单'), burst.number).waitFor();
      await act(burst.workOrderId, technician, ['start', {}]);
      const inProgress = card(column(page, '处理中'), burst.number);
      await inProgress.waitFor();
      await expect(card(column(page, '已接单'), burst.number).count()).resolves.toBe(0);
      await expect(inProgress.getByText('紧急').count()).resolves.toBe(1);
      await expect(inProgress.getByText('负责人：', { exact: false }).count()).resolves.toBe(1);
      await expect(page.evaluate(() => 'boardNeverReloaded' in globalThis)).resolves.toBe(true);

      // Every column's count is the number of cards it shows, before and after a filter narrows them.
      const countsAgree = async () => {
        for (const name of COLUMNS) {
          const cards = await column(page, name).getByRole('article').count();
          const headed = page.getByRole('region', { name: `${name} ${cards} 张工单`, exact: true });
          await expect(headed.count()).resolves.toBe(1);
        }
      };
      await countsAgree();
      const everyCard = page.getByRole('article');
      const before = await everyCard.count();
      expect(before).toBe(seeded.length + 1);
      await page.getByRole('combobox', { name: '等级' }).click();
      await page.getByRole('option', { name: '紧急' }).click();
      await card(page, seeded[3]!.number).waitFor({ state: 'detached' });
      await countsAgree();
      const urgent = await everyCard.count();
      expect(urgent).toBeGreaterThanOrEqual(2); // the burst pipe and the lift entrapment
      expect(urgent).toBeLessThan(before);
      await expect(everyCard.filter({ hasNotText: '紧急' }).count()).resolves.toBe(0);
      await page.getByText(`显示 ${urgent} / 共 ${before} 张在办工单`).waitFor();
      await page.getByRole('button', { name: '清除筛选' }).click();
      await card(page, seeded[3]!.number).waitFor();

      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      const screenshots = process.env['CONSOLE_SCREENSHOTS'];
      if (screenshots)
        await page.screenshot({ path: join(repositoryRoot, screenshots, 'console-board.png'), fullPage: false });
    } finally {
      await context.close();
    }
  });

  it('is usable 768 pixels wide: the columns scroll sideways inside the board and a card opens its order', async () => {
    const { context, page } = await openConsoleAs(browser(), '/?site=S1', SUPERVISOR, {
      viewport: { width: 768, height: 1024 },
    });
    try {
      const board = page.getByRole('region', { name: '按状态分列的在办工单' });
      await board.waitFor();
      const widths = await board.evaluate((element) => ({ scroll: element.scrollWidth, client: element.clientWidth }));
      expect(widths.scroll).toBeGreaterThan(widths.client);
      await expect(page.locator('html').evaluate((html) => html.scrollWidth)).resolves.toBeLessThanOrEqual(768);
      // The board only: at this width the shell's menu folds items into an overflow that axe finds still focusable
      // while hidden (aria-hidden-focus), which is the shell's to fix; the laptop test above checks the whole page.
      expect(await seriousAccessibilityViolations(page, 'main')).toEqual([]);

      const held = seeded[4]!;
      const link = card(column(page, '挂起'), held.number).getByRole('link', { name: held.number });
      await link.scrollIntoViewIfNeeded();
      await link.click();
      await page.waitForURL(`${urls.console}/orders/${held.workOrderId}?site=S1`);
    } finally {
      await context.close();
    }
  });

  it('is the same board in English', async () => {
    const { context, page } = await openConsoleAs(browser(), '/?site=S1', SUPERVISOR, {
      locale: 'en-GB',
      viewport: LAPTOP,
    });
    try {
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      await page.getByRole('region', { name: /^On hold 1 order$/ }).waitFor();
      await expect(
        page
          .getByRole('region', { name: /^Resolved, awaiting confirmation/ })
          .getByText(/^Resolved /)
          .count(),
      ).resolves.toBe(1);
    } finally {
      await context.close();
    }
  });
});
