import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually } from '@closeloop/testing';
import { datesOf } from '../../apps/console/web/src/pages/reports/period';
import { browserAround, openConsoleAs, seriousAccessibilityViolations } from './console-browser';
import { asStaff, get, orderInStatus, post, testStackAround, urls } from './test-stack';

// A small month at S1 driven through the services (two orders closed with ratings, one repeat complaint about the
// first one's flat, one still waiting), then read on the reports page as a supervisor and as a dispatcher. The
// page's figures are checked against the service-levels report the page itself reads.

interface Order {
  readonly workOrderId: string;
  readonly number: string;
  readonly unit: string;
}

const localMonth = (): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()).slice(0, 7);

const percent = (share: number): string =>
  new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 }).format(share);

describe('the reports page in Chromium', () => {
  testStackAround('console-reports');
  const browser = browserAround();
  const month = localMonth();

  const report = async (building: string, unit: string, category: string, description: string): Promise<Order> => {
    const accepted = await post(`${urls.intake}/v1/reports`, {
      siteId: 'S1',
      building,
      unit,
      category,
      channel: 'phone',
      reporter: { name: '林女士', phone: '13812345678' },
      description,
    });
    expect(accepted.status).toBe(202);
    return { workOrderId: accepted.body['workOrderId'] as string, number: accepted.body['number'] as string, unit };
  };
  const act = async (order: Order, action: string, headers: Record<string, string>, body: unknown = {}) => {
    const result = await post(`${urls.dispatch}/v1/work-orders/${order.workOrderId}/${action}`, body, headers);
    if (result.status !== 200) throw new Error(`${action} answered ${result.status}: ${JSON.stringify(result.body)}`);
  };
  /** The roster's technician acknowledges, starts and resolves it; the resident confirms with a rating. */
  const closeWithRating = async (order: Order, rating: number, comment: string) => {
    const { staffId, name } = (await orderInStatus(order.workOrderId, 'assigned'))['technician'] as {
      staffId: string;
      name: string;
    };
    const technician = await asStaff(staffId, name);
    await act(order, 'acknowledge', technician);
    await act(order, 'start', technician);
    await act(order, 'resolve', technician, { notes: '已处理' });
    const confirmed = await post(`${urls.intake}/v1/work-orders/${order.number}/confirmation`, { rating, comment });
    expect(confirmed.status).toBe(202);
    await orderInStatus(order.workOrderId, 'closed');
  };

  let levels: { total: { current: Record<string, unknown> } };

  beforeAll(async () => {
    const leak = await report('3号楼', '3-1502', 'plumbing', '厨房水槽下水管接头漏水');
    await closeWithRating(leak, 5, '师傅很快修好了，谢谢');
    const light = await report('4号楼', '4-0301', 'electrical', '一楼大堂走廊灯闪烁');
    await closeWithRating(light, 4, '处理及时');
    await report('3号楼', leak.unit, 'plumbing', '厨房水管接头又开始滴水');
    await report('2号楼', '2-0706', 'lighting', '地下车库 B2 区照明不亮');
    const query = new URLSearchParams({ site: 'S1', ...datesOf({ kind: 'month', month }) });
    levels = await eventually('both closes and four orders on the report', async () => {
      const { body } = await get(`${urls.query}/v1/reports/service-levels?${query}`);
      const current = (body['total'] as { current: Record<string, number> } | undefined)?.current;
      return current && current['closed'] === 2 && current['received'] === 4
        ? (body as unknown as typeof levels)
        : undefined;
    });
  }, 120_000);

  it('shows a supervisor the month’s figures beside the previous month, by group, as CSV and as the print view', async () => {
    const { context, page } = await openConsoleAs(browser(), `/reports?site=S1`, {
      staffId: 'sup-li',
      name: '李主管',
      roles: ['supervisor'],
    });
    try {
      const current = levels.total.current as { received: number; closed: number; closureRate: number };
      const figures = page.getByRole('region', { name: '服务水平' });
      const row = (figure: string) => figures.getByRole('row', { name: new RegExp(`^${figure}`) });
      await row('受理量').getByRole('cell').first().waitFor();
      await expect(row('受理量').getByRole('cell').first().textContent()).resolves.toBe(String(current.received));
      await expect(row('关闭量').getByRole('cell').first().textContent()).resolves.toBe(String(current.closed));
      await expect(row('闭环率').getByRole('cell').first().textContent()).resolves.toBe(percent(current.closureRate));
      await expect(row('满意度均分').getByRole('cell').first().textContent()).resolves.toBe('4.50');
      await expect(row('闭环率').getByRole('cell').nth(1).textContent()).resolves.toBe('—');
      await expect(page.getByRole('img', { name: /受理与关闭趋势/ }).count()).resolves.toBe(1);

      // Repeat complaint: the second report about 3-1502's kitchen pipe.
      const hotSpots = page.getByRole('region', { name: '热点问题' });
      await hotSpots.getByRole('cell', { name: '3-1502' }).waitFor();

      await page.getByRole('combobox', { name: '分组方式' }).click();
      await page.getByTitle('报修类别').click();
      await figures.getByRole('columnheader', { name: '报修类别' }).waitFor();
      await figures.getByRole('rowheader', { name: '给排水' }).waitFor();
      await page.getByRole('listbox').waitFor({ state: 'hidden' });

      if (process.env['CONSOLE_SCREENSHOTS'])
        await page.screenshot({
          path: join(process.env['CONSOLE_SCREENSHOTS'], 'console-reports.png'),
          fullPage: true,
        });
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        figures.getByRole('button', { name: '导出服务水平 CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`service-levels-by-category-S1-${month}.csv`);
      const csv = (await readFile((await download.path())!, 'utf8')).trim().split(/\r?\n/);
      const header = csv[0]!.split(',');
      expect(header.slice(0, 7)).toEqual(['site', 'timeZone', 'group', 'key', 'from', 'to', 'received']);
      const total = csv.find((line) => line.startsWith('S1,Asia/Shanghai,total,'))!.split(',');
      expect(total[header.indexOf('received')]).toBe(String(current.received));

      const monthly = page.getByRole('region', { name: '月度热线报告' });
      await monthly.getByRole('button', { name: '打印版' }).click();
      const printed = page.frameLocator('iframe[title="月度热线报告"]');
      await expect(printed.locator('h1').textContent()).resolves.toContain(
        `月度热线报告 Monthly hotline report — S1 ${month}`,
      );
      await page
        .getByRole('dialog')
        .getByRole('button', { name: /^打\s?印$/ })
        .waitFor();
    } finally {
      await context.close();
    }
  });

  it('shows a dispatcher service levels and hot spots but not the monthly report, usable 768 px wide', async () => {
    const { context, page } = await openConsoleAs(browser(), `/reports?site=S1&month=${month}`, {
      staffId: 's1-zhao-lei',
      name: '赵磊',
      roles: ['dispatcher'],
    });
    try {
      const figures = page.getByRole('region', { name: '服务水平' });
      await figures.getByRole('row', { name: /^受理量/ }).waitFor();
      await page.getByRole('region', { name: '热点问题' }).getByRole('cell', { name: '3-1502' }).waitFor();
      await expect(page.getByRole('region', { name: '月度热线报告' }).count()).resolves.toBe(0);
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      // A tablet: the sections stack, wide tables scroll inside their own box, nothing runs off the page.
      await page.setViewportSize({ width: 768, height: 1024 });
      await figures.getByRole('combobox', { name: '分组方式' }).scrollIntoViewIfNeeded();
      await expect(figures.getByRole('combobox', { name: '分组方式' }).isVisible()).resolves.toBe(true);
      await expect(figures.getByRole('button', { name: '导出服务水平 CSV' }).isVisible()).resolves.toBe(true);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
  });
});
