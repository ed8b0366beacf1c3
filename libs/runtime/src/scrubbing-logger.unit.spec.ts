import { itKeeps, itMaps } from '@closeloop/testing';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { ScrubbingLogger, scrubSecrets } from './scrubbing-logger';
import { apiKey, jwt, objectMessage, scrubbedObjectMessage } from './logged-secrets.fixtures.spec';

/** What the logger writes to stdout and stderr while `act` runs. */
const written = (act: () => void): { stdout: string; stderr: string } => {
  const out = { stdout: '', stderr: '' };
  const spies = (['stdout', 'stderr'] as const).map((stream) =>
    jest.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      out[stream] += String(chunk);
      return true;
    }),
  );
  try {
    act();
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
  return out;
};

const plain = () => new ScrubbingLogger({ colors: false });

describe('ScrubbingLogger, text output', () => {
  it('scrubs string messages at every level and keeps the context', () => {
    const logger = new ScrubbingLogger('intake', {
      colors: false,
      logLevels: ['error', 'warn', 'log', 'debug', 'verbose', 'fatal'],
    });
    const { stdout, stderr } = written(() => {
      logger.log(`report from 13812345678 with Bearer ${jwt}`);
      logger.warn(`key ${apiKey} refused`);
      logger.debug('POST /v1/reports?token=abc&site=S1');
      logger.verbose('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
      logger.fatal('password=hunter2');
      logger.error('db postgres://closeloop:s3cr3t@db:5432/closeloop unreachable');
    });
    const all = stdout + stderr;
    expect(all).toContain('[intake] report from 138****5678 with Bearer ***');
    expect(all).toContain('key clk_0a1b2c3d4e5f_*** refused');
    expect(all).toContain('POST /v1/reports?token=***&site=S1');
    expect(all).toContain('whsec_***');
    expect(all).toContain('password=***');
    expect(stderr).toContain('postgres://closeloop:***@db:5432/closeloop unreachable');
    for (const secret of ['13812345678', jwt, apiKey, 'abc&', 'hunter2', 's3cr3t', 'MfKQ9r8'])
      expect(all).not.toContain(secret);
  });

  it('scrubs the stack of an error', () => {
    const stack = `Error: SMS to 13912345678 failed\n    at send (/app/apps/notification/dist/channels/sms.channel.js:42:17)`;
    const { stderr } = written(() => plain().error('delivery failed for 13912345678', stack, 'alert-delivery'));
    expect(stderr).toContain('[alert-delivery] delivery failed for 139****5678');
    expect(stderr).toContain(
      'Error: SMS to 139****5678 failed\n    at send (/app/apps/notification/dist/channels/sms.channel.js:42:17)',
    );
    expect(stderr).not.toContain('13912345678');
  });

  it('scrubs errors and objects logged as they are', () => {
    const { stdout, stderr } = written(() => {
      const logger = plain();
      logger.error(new Error(`token ${jwt} from 13812345678 rejected`));
      logger.log({ phone: '13812345678', password: 'hunter2', orderId: '550e8400-e29b-41d4-a716-446655440000' });
    });
    expect(stderr).toContain('token eyJ*** from 138****5678 rejected');
    expect(stdout).toContain("phone: '138****5678'");
    expect(stdout).toContain("password: '***'");
    expect(stdout).toContain("orderId: '550e8400-e29b-41d4-a716-446655440000'");
  });

  it('scrubs when colours are on, even for a number printed in colour', () => {
    const logger = new ScrubbingLogger({ colors: true });
    const { stdout } = written(() => {
      logger.log('resident 13812345678');
      logger.log({ phone: 13812345678 });
      logger.log(() => `lazy 13712345678`);
    });
    expect(stdout).toContain('138****5678');
    expect(stdout).toContain('137****5678');
    expect(stdout.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(/13812345678|13712345678/);
  });

  it('leaves what is not secret as ConsoleLogger prints it', () => {
    const message =
      'order S1-20261123-0001 (550e8400-e29b-41d4-a716-446655440000) due 2026-11-23T09:00:00.000Z; relay on 127.0.0.1:9092 took 1800000 ms; closeloop.events[2]@1234567';
    const ours = written(() => plain().log(message, 'sla')).stdout;
    const nests = written(() => new ConsoleLogger({ colors: false }).log(message, 'sla')).stdout;
    const withoutTimes = (line: string) => line.replace(/^\[Nest\] \d+ +- .*? +LOG/, '').replace(/ \+\d+ms$/, '');
    expect(withoutTimes(ours.trim())).toBe(withoutTimes(nests.trim()));
    expect(ours).toContain(message);
  });

  it('keeps the levels it was given', () => {
    const logger = new ScrubbingLogger({ colors: false, logLevels: ['error', 'warn'] });
    const { stdout, stderr } = written(() => {
      logger.log('hidden 13812345678');
      logger.debug('hidden too');
      logger.warn('shown');
    });
    expect(stdout + stderr).not.toContain('hidden');
    expect(stdout).toContain('shown');
  });

  it('scrubs what Nest loggers write once it is the application logger', () => {
    const logger = plain();
    Logger.overrideLogger(logger);
    try {
      const { stderr } = written(() =>
        new Logger('http').error(`POST /v1/reports failed: Authorization: Basic dXNlcjpwYXNzd29yZA== from 13812345678`),
      );
      expect(stderr).toContain('[http] POST /v1/reports failed: Authorization: Basic *** from 138****5678');
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }
  });
});

describe('ScrubbingLogger, JSON output', () => {
  const lines = (text: string) =>
    text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('scrubs string messages and stacks', () => {
    const logger = new ScrubbingLogger({ json: true });
    const { stdout, stderr } = written(() => {
      logger.log(`from 13812345678 key ${apiKey}`, 'intake');
      logger.error('failed', `Error: 13912345678\n    at x (/app/x.js:1:1)`, 'http');
    });
    expect(lines(stdout)[0]).toMatchObject({
      level: 'log',
      context: 'intake',
      message: 'from 138****5678 key clk_0a1b2c3d4e5f_***',
    });
    expect(lines(stderr)[0]).toMatchObject({
      level: 'error',
      context: 'http',
      message: 'failed',
      stack: 'Error: 139****5678\n    at x (/app/x.js:1:1)',
    });
  });

  it('keeps an object message structured, with its strings scrubbed and credential fields masked', () => {
    const logger = new ScrubbingLogger({ json: true });
    const { stdout } = written(() => logger.log(objectMessage));
    expect(lines(stdout)[0]?.['message']).toEqual(scrubbedObjectMessage);
  });
});

describe('scrubSecrets, as the runtime offers it', () => {
  itMaps('masks %s', scrubSecrets, [
    ['a mobile', 'call 13812345678', 'call 138****5678'],
    ['+86 form', 'call +86 138-1234-5678', 'call 138****5678'],
    ['a landline', 'desk 0755-8765-4321', 'desk ****4321'],
    ['an integrator key', apiKey, 'clk_0a1b2c3d4e5f_***'],
    ['a JWT', jwt, 'eyJ***'],
    ['a bearer credential', 'Authorization: Bearer opaque-123', 'Authorization: Bearer ***'],
    ['a webhook secret', 'whsec_c2VjcmV0', 'whsec_***'],
    ['form values', 'password=p&secret=s&token=t&key=k', 'password=***&secret=***&token=***&key=***'],
  ]);

  itKeeps('leaves %s', scrubSecrets, [
    ['a UUID', 'e7c1f3a2-0b4d-4c5e-9f60-446655440000'],
    ['an ISO timestamp', '2026-11-23T09:00:00.000+08:00'],
    ['a work-order number', 'S1-20261123-0001'],
    ['a port', 'listening on 0.0.0.0:3004'],
    ['a duration in ms', 'retrying in 1500 ms, gave up after 3600000 ms'],
  ]);
});
