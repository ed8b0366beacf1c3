import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '@closeloop/testing';
import type { Browser, Page } from 'playwright-core';
import { browserAround, LAPTOP, seriousAccessibilityViolations } from './console-browser';
import { post, testStackAround, urls } from './test-stack';

// The local stack's sign-in (issue 13): the admin tool makes a one-time link, the browser opens it, the console
// exchanges its code for a staff token. The link works once and not after it expires; neither the code nor the
// token reaches an address a server sees, and neither reaches the console's log.

const JWT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/;
const SESSION_KEY = 'closeloop.staff-token';
const cli = join(repositoryRoot, 'tools', 'admin', 'closeloop-admin.js');

describe('signing in to the console with a one-time link, in Chromium', () => {
  // The console at its most talkative, so that anything a log line could carry is there to be found.
  const stack = testStackAround('console-sign-in', { LOG_LEVEL: 'debug' });
  const browser = browserAround();
  /** Every code and token the tests handled, to look for in the log at the end. */
  const secrets: string[] = [];

  /** `npm run admin -- console sign-in-link` for this stack's database and console, as an operator runs it. */
  const signInLink = (staff: { staffId: string; name: string; roles: string; sites: string }): Promise<string> =>
    new Promise((resolve, reject) => {
      const args = ['console', 'sign-in-link', '--staff-id', staff.staffId, '--name', staff.name];
      args.push('--roles', staff.roles, '--sites', staff.sites, '--console-url', urls.console, '--json');
      execFile(
        process.execPath,
        [cli, ...args],
        { cwd: repositoryRoot, env: { ...process.env, DATABASE_URL: stack().db.url } },
        (error, stdout, stderr) => {
          if (error) return reject(new Error(`the admin tool failed: ${stderr}`));
          const { link } = JSON.parse(stdout) as { link: string };
          secrets.push(codeOf(link));
          resolve(link);
        },
      );
    });

  const codeOf = (link: string): string => new URL(link).hash.replace(/^#code=/, '');

  /** A new tab (its own sessionStorage) in a browser speaking the given language, recording every URL it asks for. */
  const newTab = async (
    b: Browser,
    locale: string,
  ): Promise<{ page: Page; requested: string[]; close(): Promise<void> }> => {
    const context = await b.newContext({ locale, viewport: LAPTOP });
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    return { page, requested, close: () => context.close() };
  };

  it('signs in from the link onto the board, under the person’s name, with no code or token left in the address', async () => {
    const link = await signInLink({ staffId: 's1-sup-li', name: 'Li Na', roles: 'supervisor,dispatcher', sites: 'S1' });
    expect(link).toMatch(new RegExp(`^${urls.console}/sign-in#code=[A-Za-z0-9_-]{43}$`));
    const tab = await newTab(browser(), 'en-GB');
    try {
      await tab.page.goto(link);
      await tab.page.getByRole('button', { name: 'Sign out Li Na' }).waitFor();
      const address = new URL(tab.page.url());
      expect([address.pathname, address.hash]).toEqual(['/', '']);
      await expect(tab.page.getByRole('menuitem', { name: 'Board' }).getAttribute('class')).resolves.toContain(
        'selected',
      );

      const token = (await tab.page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY)) ?? '';
      secrets.push(token);
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
        string,
        unknown
      >;
      expect(claims).toMatchObject({
        sub: 's1-sup-li',
        name: 'Li Na',
        roles: ['supervisor', 'dispatcher'],
        sites: ['S1'],
      });
      expect(Number(claims['exp']) - Number(claims['iat'])).toBe(8 * 3600);
      // The fragment never went to a server: no request the tab made carried the code or the token in its URL.
      expect(tab.requested.filter((url) => url.includes(codeOf(link)) || url.includes(token))).toEqual([]);
      expect(tab.page.url()).not.toMatch(JWT);
    } finally {
      await tab.close();
    }

    // The same code again, over HTTP: refused, as used.
    const again = await post(`${urls.console}/auth/local/exchange`, { code: codeOf(link) });
    expect([again.status, again.body['code'], again.headers.get('content-type')]).toEqual([
      401,
      'SIGN_IN_CODE_USED',
      'application/problem+json; charset=utf-8',
    ]);
  });

  it('refuses the same link opened a second time, in words, and signs nobody in', async () => {
    const link = await signInLink({ staffId: 's1-disp-wang', name: 'Wang Fang', roles: 'dispatcher', sites: 'S1' });
    const first = await newTab(browser(), 'en-GB');
    try {
      await first.page.goto(link);
      await first.page.getByRole('button', { name: 'Sign out Wang Fang' }).waitFor();
    } finally {
      await first.close();
    }
    const second = await newTab(browser(), 'en-GB');
    try {
      await second.page.goto(link);
      await second.page.getByRole('alert').filter({ hasText: 'This sign-in link has been used already' }).waitFor();
      await expect(second.page.getByRole('button', { name: /Sign out/ }).count()).resolves.toBe(0);
      await expect(second.page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY)).resolves.toBeNull();
      expect(new URL(second.page.url()).hash).toBe('');
      expect(await seriousAccessibilityViolations(second.page)).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('refuses an expired link in words, in Chinese to a Chinese browser', async () => {
    const link = await signInLink({ staffId: 's1-sup-zhao', name: '赵敏', roles: 'supervisor', sites: 'S1' });
    // Ten minutes are up: the code's life moved an hour back rather than waiting for it.
    const moved = await stack().db.pool.query(
      `UPDATE console_sign_in_codes SET created_at = created_at - interval '1 hour', expires_at = expires_at - interval '1 hour'
        WHERE code_hash = $1`,
      [createHash('sha256').update(codeOf(link)).digest('hex')],
    );
    expect(moved.rowCount).toBe(1);
    const tab = await newTab(browser(), 'zh-CN');
    try {
      await tab.page.goto(link);
      await tab.page.getByRole('alert').filter({ hasText: '该登录链接已过期' }).waitFor();
      await expect(tab.page.getByRole('button', { name: /退出/ }).count()).resolves.toBe(0);
      expect(await seriousAccessibilityViolations(tab.page)).toEqual([]);
      const folder = process.env['CONSOLE_SCREENSHOTS'];
      if (folder) await tab.page.screenshot({ path: join(folder, 'console-sign-in.png') });
    } finally {
      await tab.close();
    }
    const refused = await post(`${urls.console}/auth/local/exchange`, { code: codeOf(link) });
    expect([refused.status, refused.body['code']]).toEqual([401, 'SIGN_IN_CODE_EXPIRED']);
  });

  it('refuses what is no code at all as invalid, and a code it never issued as unknown', async () => {
    const malformed = await post(`${urls.console}/auth/local/exchange`, { code: 'not-a-code' });
    expect([malformed.status, malformed.body['code']]).toEqual([422, 'VALIDATION_FAILED']);
    const unknown = await post(`${urls.console}/auth/local/exchange`, { code: 'A'.repeat(43) });
    expect([unknown.status, unknown.body['code']]).toEqual([401, 'SIGN_IN_CODE_UNKNOWN']);
    const notJson = await fetch(`${urls.console}/auth/local/exchange`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'code',
    });
    expect(notJson.status).toBe(415);
  });

  it('leaves no code and no token in the console’s log', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    const log = readFileSync(join(stack().logDir, 'console.log'), 'utf8');
    expect(secrets.filter((secret) => log.includes(secret))).toEqual([]);
    expect(log).not.toMatch(JWT);
  });
});
