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
 * Whether a finite animation or transition is running on the page: an expression, since the specs compile without
 * the DOM's types, and page.evaluate rather than waitForFunction, which evaluates strings in a way the console's
 * Content-Security-Policy (no unsafe-eval) refuses.
 */
const ANIMATING = `document.getAnimations().some((a) => a.playState === 'running' && a.effect?.getTiming().iterations !== Infinity)`;
/** Longer than any of the console's transitions (Ant Design's slowest is 0.3 s). */
const SETTLING_MS = 3_000;

/**
 * The accessibility violations axe-core rates serious or critical on the page at rest, or only within the element a
 * CSS selector names (`within`). At rest: once every finite animation and transition has ended, since an element
 * fading in or out (a select's dropdown closing after a choice) would be checked half-transparent, with less contrast
 * than it ever has when still, and while it is still in the accessibility tree.
 */
export const seriousAccessibilityViolations = async (page: Page, within?: string): Promise<string[]> => {
  for (let waited = 0; waited < SETTLING_MS && (await page.evaluate<boolean>(ANIMATING)); waited += 50)
    await page.waitForTimeout(50);
  const axe = new AxeBuilder({ page });
  const results = await (within === undefined ? axe : axe.include(within)).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((n) => n.target.join(' ')).join('; ')})`,
    );
};
