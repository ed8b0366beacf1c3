import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_SIGNING_KEY_FILE } from '@closeloop/auth';
import { repositoryRoot } from '@closeloop/testing';
import type { Browser, Page } from 'playwright-core';
import { browserAround, LAPTOP, seriousAccessibilityViolations } from './console-browser';
import { get, post, testStackAround, urls } from './test-stack';

// Signing in to the console (issue 13). The local stack's way: the admin tool makes a one-time link, the browser
// opens it, the console exchanges its code for a staff token; the link works once and not after it expires. The
// production way: OpenID Connect, authorization code with PKCE, against a real provider (tools/e2e/
// oidc-test-provider.js) that is the issuer of the stack's staff tokens. Neither a code nor a token reaches an
// address a server sees, nor the console's log.

const JWT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/;
const SESSION_KEY = 'closeloop.staff-token';
const cli = join(repositoryRoot, 'tools', 'admin', 'closeloop-admin.js');

/** The identity provider: the issuer of every staff token of this stack, on a port beside the stack's. */
const ISSUER = 'http://127.0.0.1:13990';
const CLIENT_ID = 'closeloop-console';
const PROVIDER_ACCOUNTS = { 's1-sup-chen': { name: 'Chen Jing', roles: ['supervisor'], sites: ['S1'] } };

/** Starts the provider, signing with the stack's key so that the services trust its tokens; resolves once it listens. */
const startProvider = (signingKeyFile: string): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repositoryRoot, 'tools', 'e2e', 'oidc-test-provider.js')], {
      env: {
        ...process.env,
        OIDC_ISSUER: ISSUER,
        OIDC_SIGNING_KEY_FILE: signingKeyFile,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_REDIRECT_URI: `${urls.console}/sign-in/callback`,
        OIDC_AUDIENCE: 'closeloop',
        OIDC_ACCOUNTS: JSON.stringify(PROVIDER_ACCOUNTS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`the OIDC provider exited with ${code}: ${errors}`)));
  });

describe('signing in to the console with a one-time link, in Chromium', () => {
  // The console at its most talkative, so that anything a log line could carry is there to be found.
  const stack = testStackAround('console-sign-in', {
    LOG_LEVEL: 'debug',
    STAFF_TOKEN_ISSUER: ISSUER,
    CONSOLE_OIDC_CLIENT_ID: CLIENT_ID,
    CONSOLE_OIDC_SCOPE: 'openid profile staff',
    CONSOLE_OIDC_PROVIDER_NAME: 'Test SSO',
  });
  const browser = browserAround();
  let provider: ChildProcess | undefined;
  beforeAll(async () => {
    provider = await startProvider(join(stack().staffKeys.dir, LOCAL_SIGNING_KEY_FILE));
  }, 30_000);
  afterAll(() => {
    provider?.removeAllListeners('exit');
    provider?.kill();
  });
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

  /** The token the tab keeps (session.ts), or '' if none. */
  const storedToken = async (page: Page): Promise<string> =>
    (await page.evaluate(
      (key) =>
        (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem(
          key,
        ),
      SESSION_KEY,
    )) ?? '';

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

      const token = await storedToken(tab.page);
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
      await expect(storedToken(second.page)).resolves.toBe('');
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

  it('signs in at the identity provider (authorization code with PKCE) onto the board, with a token the services accept', async () => {
    const tab = await newTab(browser(), 'en-GB');
    try {
      await tab.page.goto(`${urls.console}/sign-in`);
      await tab.page.getByRole('button', { name: 'Sign in with Test SSO' }).click();
      await tab.page.getByPlaceholder('Enter any login').fill('s1-sup-chen');
      await tab.page.getByPlaceholder('and password').fill('any password');
      await tab.page.getByRole('button', { name: 'Sign-in' }).click();
      await tab.page.getByRole('button', { name: 'Continue' }).click();
      await tab.page.getByRole('button', { name: 'Sign out Chen Jing' }).waitFor();
      const address = new URL(tab.page.url());
      expect([address.origin, address.pathname, address.search, address.hash]).toEqual([urls.console, '/', '', '']);

      const token = await storedToken(tab.page);
      secrets.push(token);
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
        string,
        unknown
      >;
      expect(claims).toMatchObject({ iss: ISSUER, aud: 'closeloop', sub: 's1-sup-chen', roles: ['supervisor'] });
      expect(tab.requested.filter((url) => url.includes(token))).toEqual([]);
      // The code went through the address, PKCE-bound and once; the authorization request asked for S256.
      const authorization = tab.requested.find((url) => url.startsWith(`${ISSUER}/auth?`)) ?? '';
      expect(new URL(authorization).searchParams.get('code_challenge_method')).toBe('S256');
      const listed = await get(`${urls.query}/v1/work-orders?site=S1`, { authorization: `Bearer ${token}` });
      expect(listed.status).toBe(200);
    } finally {
      await tab.close();
    }
  });

  it('leaves no code and no token in the console’s log', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    const log = readFileSync(join(stack().logDir, 'console.log'), 'utf8');
    expect(secrets.filter((secret) => log.includes(secret))).toEqual([]);
    expect(log).not.toMatch(JWT);
  });
});
