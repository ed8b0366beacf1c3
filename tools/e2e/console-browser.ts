// The console's browser tests drive Debian's Chromium (Playwright's own browser download is not reachable here):
// scripts/infra/debian-packages.sh installs it, CHROMIUM_PATH may name another build.
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { staffToken, urls } from './test-stack';
import type { StaffRole } from '@closeloop/auth';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** The laptop the issue names; tablets are tested by setting a 768-pixel-wide viewport on the page. */
export const LAPTOP = { width: 1366, height: 768 };

/** Launches Chromium before the describe block's tests and closes it after them. */
export const browserAround = (): (() => Browser) => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium has not started');
    return browser;
  };
};

export interface ConsoleVisit {
  readonly context: BrowserContext;
  readonly page: Page;
}

/**
 * Opens the console at `path` as a staff member, the token handed over in the fragment as a script would; the
 * browser's language is Chinese unless told otherwise.
 */
export const openConsoleAs = async (
  browser: Browser,
  path: string,
  staff: { staffId: string; name?: string; roles: StaffRole[]; sites?: string[] },
  options: { locale?: string; viewport?: { width: number; height: number } } = {},
): Promise<ConsoleVisit> => {
  const context = await browser.newContext({ locale: options.locale ?? 'zh-CN', viewport: options.viewport ?? LAPTOP });
  const page = await context.newPage();
  const token = await staffToken(staff.staffId, staff.name ?? staff.staffId, staff.roles, staff.sites ?? ['S1']);
  await page.goto(`${urls.console}${path}#token=${token}`);
  return { context, page };
};

/**
 * The accessibility violations axe-core rates serious or critical on the page as it is now, or only within the
 * element a CSS selector names (`within`).
 */
export const seriousAccessibilityViolations = async (page: Page, within?: string): Promise<string[]> => {
  const axe = new AxeBuilder({ page });
  const results = await (within === undefined ? axe : axe.include(within)).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((n) => n.target.join(' ')).join('; ')})`,
    );
};
