import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { EventTypes } from '@closeloop/contracts';
import { allDayRotation, eventually, repositoryRoot } from '@closeloop/testing';
import type { Page } from 'playwright-core';
import { browserAround, LAPTOP, openConsoleAs, seriousAccessibilityViolations } from './console-browser';
import { asStaff, get, orderInStatus, post, put, reportOrder, testStackAround, timelineWith, urls } from './test-stack';

// Urgent orders breach their 3-second response target at once and climb the chain every 8 s, so the rich order
// has a real escalation, page and acknowledgement on its timeline; normal orders have 10 minutes.
const POLICY = {
  SLA_POLICY_FILE: join(repositoryRoot, 'tools', 'e2e', 'fixtures', 'sla-policy.on-call.json'),
  TIMER_POLL_MILLIS: '100',
  ALERT_POLL_MILLIS: '100',
  ALERT_RENOTIFY_SECONDS: '0',
  PUBLIC_NOTIFICATION_URL: urls.notification,
};

const SUPERVISOR = { staffId: 'sup-chen', name: '陈主管', roles: ['supervisor' as const] };
const ON_CALL = { staffId: 's1-oncall-zhao', name: '赵敏' };

interface Order {
  readonly workOrderId: string;
  readonly number: string;
  readonly technician: { readonly staffId: string; readonly name: string };
}

/** Reports an order over HTTP and waits until dispatch has assigned it by the roster: whoever is on shift now. */
const assignedOrder = async (report: Parameters<typeof reportOrder>[0]): Promise<Order> => {
  const accepted = await reportOrder(report);
  expect(accepted.status).toBe(202);
  const order = await orderInStatus(accepted.body['workOrderId'] as string, 'assigned');
  return order as unknown as Order;
};

const dripping = () =>
  assignedOrder({
    building: '5栋',
    channel: 'phone',
    category: 'plumbing',
    description: '卫生间水龙头一直滴水',
    reporter: { name: '何先生', phone: '13700001111' },
  });

const heading = (page: Page, order: Order) => page.getByRole('heading', { name: `工单 ${order.number}` });
const shown = (page: Page, text: string) => page.getByText(text, { exact: false }).first().waitFor();

describe('the order page in Chromium', () => {
  testStackAround('console-order', POLICY);
  const browser = browserAround();

  it('shows a supervisor the header and the timeline in Chinese, at laptop and tablet width, without serious axe violations', async () => {
    const order = await dripping();
    const { context, page } = await openConsoleAs(browser(), `/orders/${order.workOrderId}`, SUPERVISOR);
    try {
      await heading(page, order).waitFor();
      await shown(page, '经热线电话受理报修，报修人 何先生 137****1111：卫生间水龙头一直滴水');
      await shown(page, '分级为「一般」（plumbing）：Repair: scheduled within 1 working day');
      await shown(page, `派单给 ${order.technician.name}`);
      await shown(page, '设定时限（一般）');
      await shown(page, `${order.technician.name} · `);
      // A supervisor runs the queue (no acknowledging for the technician) and sees alerts.
      await page.getByRole('button', { name: '改派维修人员' }).waitFor();
      await expect(page.getByRole('button', { name: '接单' }).count()).resolves.toBe(0);
      await shown(page, '该工单暂无告警。');
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      await page.setViewportSize({ width: 768, height: 1024 });
      await heading(page, order).waitFor();
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      // The page itself: at this width the shell's navigation folds into antd's overflow menu, which is the shell's.
      expect(await seriousViolationsIn(page, 'main')).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lets its technician acknowledge and start it by the buttons, and puts a refusal from a stale page in words', async () => {
    const order = await dripping();
    const technician = { ...order.technician, roles: ['technician' as const] };
    const path = `/orders/${order.workOrderId}`;
    const mine = await openConsoleAs(browser(), path, technician);
    const stale = await openConsoleAs(browser(), path, technician);
    const stranger = await openConsoleAs(browser(), path, {
      staffId: 's1-someone-else',
      name: '别人',
      roles: ['technician'],
    });
    try {
      await stale.page.getByRole('button', { name: '接单' }).waitFor();
      await shown(stranger.page, '您当前无可执行的操作。');
      await expect(stranger.page.getByRole('button', { name: '接单' }).count()).resolves.toBe(0);
      await shown(stranger.page, '告警仅对值班人员、主管和派单员可见。');

      const page = mine.page;
      await page.getByRole('button', { name: '接单' }).click();
      await page.getByRole('status').getByText('接单成功，工单现为「已接单」。').waitFor();
      await shown(page, `${order.technician.name} 已接单`);
      await page.getByRole('button', { name: '开始维修' }).click();
      await page.getByRole('status').getByText('开始维修成功，工单现为「处理中」。').waitFor();
      await shown(page, `${order.technician.name} 开始维修`);
      await page.getByRole('button', { name: '挂起' }).waitFor();
      await expect(page.getByRole('button', { name: '接单' }).count()).resolves.toBe(0);
      await expect(orderInStatus(order.workOrderId, 'in-progress')).resolves.toBeDefined();

      // The stale page still offers 接单: dispatch refuses it, and the page says why and reads the order again.
      await stale.page.getByRole('button', { name: '接单' }).click();
      const refusal = stale.page.getByRole('alert').filter({ hasText: /已被他人更新|状态已变化/ });
      await refusal.waitFor();
      await stale.page.getByRole('button', { name: '挂起' }).waitFor();
      // The pointer still rests where 接单 was, now on 挂起: antd's lighter hover blue is not what axe should judge.
      await stale.page.mouse.move(0, 0);
      expect(await seriousAccessibilityViolations(stale.page)).toEqual([]);
    } finally {
      await Promise.all([mine.context.close(), stale.context.close(), stranger.context.close()]);
    }
  });

  it('tells a whole closed loop: escalation and pages with the rotation, hold, follow-up, duplicate and rating', async () => {
    const receiver = await webhookReceiver();
    try {
      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      const notification = (path: string) => `${urls.notification}${path}`;
      expect(
        (await put(notification(`/v1/on-call/rotations/${randomUUID()}`), allDayRotation('S1', 1, [ON_CALL.staffId])))
          .status,
      ).toBe(200);
      const contact = await put(notification(`/v1/on-call/contacts/staff/${ON_CALL.staffId}`), {
        destinations: [{ channel: 'webhook', url: receiver.url, secrets: [secret] }],
      });
      expect(contact.status).toBe(200);

      const unit = `12${randomBytes(1).readUInt8() % 10}${randomBytes(1).readUInt8() % 10}`;
      // Two residents of flat 3栋 12xx report the same burst pipe: the second joins the first's order.
      const kitchen = (channel: string, description: string, reporter: { name: string; phone: string }) => ({
        building: '3栋',
        unit,
        channel,
        description,
        reporter,
      });
      const order = await assignedOrder(
        kitchen('phone', '厨房水管爆管，地面大量积水，请尽快派人处理', { name: '林女士', phone: '13812345678' }),
      );
      const id = order.workOrderId;
      const alert = await eventually(
        'the level-1 escalation alert',
        async () => {
          const { body } = await get(notification(`/v1/alerts?workOrderId=${id}`));
          return (body['alerts'] as { alertId: string; kind: string; level: number | null }[]).find(
            (a) => a.kind === 'escalation' && a.level === 1,
          );
        },
        20_000,
      );
      const onCall = await asStaff(ON_CALL.staffId, ON_CALL.name, ['on-call'], ['S1']);
      expect((await post(notification(`/v1/alerts/${alert.alertId}/ack`), {}, onCall)).status).toBe(200);

      const technician = await asStaff(order.technician.staffId, order.technician.name, ['technician'], ['S1']);
      const act = async (action: string, body: unknown = {}) =>
        expect((await post(`${urls.dispatch}/v1/work-orders/${id}/${action}`, body, technician)).status).toBe(200);
      await act('acknowledge');
      await act('start');
      await act('hold', { reason: 'waiting-on-parts', note: '需更换角阀，配件下午到' });
      const followUp = await post(`${urls.intake}/v1/work-orders/${id}/follow-ups`, {
        channel: 'phone',
        note: '住户来电询问师傅几点到',
        caller: { name: '林女士', phone: '13812345678' },
      });
      expect(followUp.status).toBe(202);
      const duplicate = await reportOrder(
        kitchen('wechat', '厨房水管爆管，地面积水很多，请尽快处理', { name: '周先生', phone: '13987654321' }),
      );
      expect(duplicate.body['workOrderId']).toBe(id);
      await act('resume');
      await act('resolve', { notes: '更换厨房角阀及进水软管，试水无渗漏，地面已清理' });
      const confirmed = await post(`${urls.intake}/v1/work-orders/${id}/confirmation`, {
        rating: 5,
        comment: '师傅来得很快，处理得干净',
      });
      expect(confirmed.status).toBe(202);
      await orderInStatus(id, 'closed');
      await timelineWith(id, [
        EventTypes.AlertAcknowledged,
        EventTypes.AlertDeliveryAttempted,
        EventTypes.WorkOrderClosed,
      ]);

      const { context, page } = await openConsoleAs(browser(), `/orders/${id}`, SUPERVISOR, { viewport: LAPTOP });
      try {
        await heading(page, order).waitFor();
        await shown(page, '住户确认办结，满意度 5 星：师傅来得很快，处理得干净');
        await shown(page, '超时升级至第 1 级：项目值班主管');
        await shown(page, `赵敏 确认告警（控制台）`);
        await shown(page, '挂起工单，原因：等待配件：需更换角阀，配件下午到');
        await shown(page, '林女士 经热线电话催单（第 2 次联系）：住户来电询问师傅几点到');
        await shown(page, '合并 周先生 经微信的重复报修');
        // The alert names the rotation that paged and the deliveries, and links back to the event that caused it.
        const escalation = page.locator(`[id="alert-${alert.alertId}"]`);
        await escalation.getByRole('link', { name: /^值班表 / }).waitFor();
        await escalation.getByText(`${ON_CALL.staffId} · Webhook`, { exact: false }).waitFor();
        await shown(page, `${ON_CALL.staffId} · Webhook · 已送达`);
        await escalation.getByText(`${ON_CALL.name} · `, { exact: false }).waitFor();
        await escalation.getByRole('link', { name: '起因' }).waitFor();
        await shown(page, '住户已确认');
        await shown(page, '5 星');
        expect(await seriousAccessibilityViolations(page)).toEqual([]);
        const folder = process.env['CONSOLE_SCREENSHOTS'];
        if (folder) await page.screenshot({ path: join(folder, 'console-order.png'), fullPage: true });
      } finally {
        await context.close();
      }
    } finally {
      await receiver.stop();
    }
  });
});

/** Serious or critical axe violations inside one part of the page. */
const seriousViolationsIn = async (page: Page, selector: string): Promise<string[]> =>
  (await new AxeBuilder({ page }).include(selector).analyze()).violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((n) => n.target.join(' ')).join('; ')}`);

/** An on-call person's webhook: takes every page (the notification service's own specs check the signatures). */
const webhookReceiver = async (): Promise<{ url: string; stop: () => Promise<void> }> => {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/zhao`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
