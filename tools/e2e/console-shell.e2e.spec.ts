import { browserAround, openConsoleAs, seriousAccessibilityViolations } from './console-browser';
import { testStackAround, urls } from './test-stack';

describe('the console shell in Chromium', () => {
  testStackAround('console-shell');
  const browser = browserAround();

  it('takes a token from the fragment, removes it from the address, and speaks Chinese to a zh browser', async () => {
    const { context, page } = await openConsoleAs(browser(), '/?site=S1', {
      staffId: 'sup-li',
      name: '李主管',
      roles: ['supervisor'],
    });
    try {
      await page.getByRole('link', { name: '工单看板' }).waitFor();
      expect(page.url()).toBe(`${urls.console}/?site=S1`);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
      await expect(page.getByRole('button', { name: /李主管/ }).count()).resolves.toBe(1);
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('switches to English and keeps the choice across a reload', async () => {
    const { context, page } = await openConsoleAs(browser(), '/', { staffId: 'sup-li', roles: ['supervisor'] });
    try {
      await page.getByRole('combobox', { name: '语言' }).click();
      await page.getByTitle('English').click();
      await page.getByRole('link', { name: 'Board' }).waitFor();
      await page.reload();
      await page.getByRole('link', { name: 'Board' }).waitFor();
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    } finally {
      await context.close();
    }
  });

  it('shows a signed-out notice to a visitor without a token', async () => {
    const context = await browser().newContext({ locale: 'en-GB' });
    try {
      const page = await context.newPage();
      await page.goto(`${urls.console}/`);
      await page.getByText('You are not signed in').waitFor();
      await expect(page.getByRole('link', { name: 'Board' }).count()).resolves.toBe(1);
    } finally {
      await context.close();
    }
  });
});
