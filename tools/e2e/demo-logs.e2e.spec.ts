import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { infrastructure, repositoryRoot } from '@closeloop/testing';
import { asIntegrator, startTestStack, TestStack, urls } from './test-stack';

// The demo's residents' numbers, as scripts/demo.js reports them.
const RESIDENT_PHONES = ['13812345678', '13900001111', '13900002222'];
const FULL_MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/;
const INTEGRATOR_KEY = /clk_[A-Za-z0-9]+_[A-Za-z0-9_-]{20,}/;
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/;

// The demo runs an SMTP inbox of its own; the services send e-mail alerts to it.
const STORM_WINDOW_SECONDS = '15';
const DEMO_INBOX = {
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: '12525',
  SMTP_SECURE: 'false',
  SMTP_FROM: 'Closeloop alerts <alerts@closeloop.local>',
};

const runDemo = (env: Record<string, string>): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repositoryRoot, 'scripts', 'demo.js')], {
      cwd: repositoryRoot,
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });

describe('the demo leaves no credential and no full resident phone number in any log', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // Every service logs at its most talkative, so anything a log line could carry is there to be found.
    // A storm window short enough for the demo to wait for its digest, as scripts/up.sh runs it.
    // Ack links in the messages point at this stack's notification service, as the demo's at its own.
    stack = await startTestStack('e2e-logs', {
      LOG_LEVEL: 'debug',
      ALERT_STORM_WINDOW_SECONDS: STORM_WINDOW_SECONDS,
      PUBLIC_NOTIFICATION_URL: urls.notification,
      ...DEMO_INBOX,
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs the whole demo with real keys and tokens, then finds none of them in the logs', async () => {
    const demo = await runDemo({
      INTAKE_URL: urls.intake,
      DISPATCH_URL: urls.dispatch,
      NOTIFICATION_URL: urls.notification,
      SMTP_PORT: DEMO_INBOX.SMTP_PORT,
      QUERY_URL: urls.query,
      DATABASE_URL: stack.db.url,
      KAFKA_BROKERS: infrastructure().kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: stack.prefix,
      STAFF_KEY_DIR: stack.staffKeys.dir,
      STAFF_TOKEN_ISSUER: stack.staffKeys.issuer,
      STAFF_TOKEN_AUDIENCE: stack.staffKeys.audience,
      SLA_POLICY_FILE: '',
      ALERT_STORM_WINDOW_SECONDS: STORM_WINDOW_SECONDS,
    });
    // The output's tail says why, should the demo stop early.
    expect({ code: demo.code, tail: demo.output.slice(-1500) }).toMatchObject({ code: 0 });
    expect(demo.output).toContain('Timelines, as a supervisor reads them');
    // The storm at S3 reached its supervisor as a digest, whose one link acknowledged every alert it listed.
    expect(demo.output).toMatch(/urgent orders at S3|alerts at S3/);
    expect(demo.output).toMatch(/acknowledges them all with its one link: 200, (\d+) of \1 alerts acknowledged/);
    // The month so far, as the reports count it: the demo's S1 reports were received, some closed, and the
    // monthly report was saved as a page and a PDF.
    const [, received, closed] = /Service levels at S1, .*\n {3}received (\d+), closed (\d+)/.exec(demo.output) ?? [];
    expect(Number(received)).toBeGreaterThanOrEqual(5);
    expect(Number(closed)).toBeGreaterThanOrEqual(2);
    const [, pdfFile] = /saved as \S+\.html and (\S+\.pdf)/.exec(demo.output) ?? [];
    expect(
      readFileSync(pdfFile as string)
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    // The supervisor's view masks residents' numbers too.
    for (const phone of RESIDENT_PHONES) expect(demo.output).not.toContain(phone);

    const logs = readdirSync(stack.logDir).map((file) => ({
      file,
      text: readFileSync(join(stack.logDir, file), 'utf8'),
    }));
    expect(logs.map((l) => l.file)).toEqual(
      expect.arrayContaining(['intake.log', 'dispatch.log', 'sla-timer.log', 'notification.log', 'query.log']),
    );
    expect(logs.reduce((lines, l) => lines + l.text.split('\n').length, 0)).toBeGreaterThan(20);
    const secrets = [asIntegrator()['x-api-key'] as string];
    const findings = logs.flatMap(({ file, text }) =>
      text
        .split('\n')
        .filter(
          (line) =>
            FULL_MOBILE.test(line) ||
            INTEGRATOR_KEY.test(line) ||
            JWT.test(line) ||
            secrets.some((s) => line.includes(s)),
        )
        .map((line) => `${file}: ${line.slice(0, 200)}`),
    );
    expect(findings).toEqual([]);
  }, 180_000);
});
