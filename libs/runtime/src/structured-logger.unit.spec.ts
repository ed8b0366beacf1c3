import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { logContext, StructuredLogger, StructuredLoggerOptions } from './structured-logger';
import { apiKey, jwt, objectMessage, scrubbedObjectMessage } from './logged-secrets.fixtures.spec';

const SECRETS = ['13812345678', '13912345678', jwt, apiKey, 'hunter2', 's3cr3t', 'MfKQ9r8', 'dXNlcjpwYXNzd29yZA'];

/** A logger writing into a string, and the lines it wrote. */
const capture = (options: Partial<StructuredLoggerOptions> = {}) => {
  let text = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  const logger = new StructuredLogger({ service: 'intake', level: 'verbose', destination, ...options });
  return {
    logger,
    text: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
};

describe('StructuredLogger, JSON lines', () => {
  it('writes time, level, service, context and message, one JSON object per line', () => {
    const { logger, lines } = capture();
    logger.log('relay closeloop.events is leading', 'relay');
    logger.warn('slow', 'http');
    logger.debug('detail');
    const [first, second, third] = lines();
    expect(first).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'intake',
      context: 'relay',
      message: 'relay closeloop.events is leading',
    });
    expect(second).toMatchObject({ level: 'warn', context: 'http', message: 'slow' });
    expect(third).toMatchObject({ level: 'debug', message: 'detail' });
    expect(third).not.toHaveProperty('context');
  });

  it('scrubs string messages at every level', () => {
    const { logger, text, lines } = capture();
    logger.log(`report from 13812345678 with Bearer ${jwt}`, 'intake');
    logger.warn(`key ${apiKey} refused`);
    logger.debug('POST /v1/reports?token=abc&site=S1');
    logger.verbose('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    logger.fatal('password=hunter2');
    logger.error('db postgres://closeloop:s3cr3t@db:5432/closeloop unreachable');
    expect(lines().map((l) => l['message'])).toEqual([
      'report from 138****5678 with Bearer ***',
      'key clk_0a1b2c3d4e5f_*** refused',
      'POST /v1/reports?token=***&site=S1',
      'whsec_***',
      'password=***',
      'db postgres://closeloop:***@db:5432/closeloop unreachable',
    ]);
    expect(lines().map((l) => l['level'])).toEqual(['info', 'warn', 'debug', 'trace', 'fatal', 'error']);
    for (const secret of SECRETS) expect(text()).not.toContain(secret);
  });

  it('scrubs the stack of an error, given as Nest gives it or as an Error', () => {
    const { logger, text, lines } = capture();
    const stack = `Error: SMS to 13912345678 failed\n    at send (/app/apps/notification/dist/channels/sms.channel.js:42:17)`;
    logger.error('delivery failed for 13912345678', stack, 'alert-delivery');
    logger.error(new Error(`token ${jwt} from 13812345678 rejected`));
    const [nest, thrown] = lines();
    expect(nest).toMatchObject({
      level: 'error',
      context: 'alert-delivery',
      message: 'delivery failed for 139****5678',
      stack:
        'Error: SMS to 139****5678 failed\n    at send (/app/apps/notification/dist/channels/sms.channel.js:42:17)',
    });
    expect(thrown).toMatchObject({ level: 'error', message: 'token eyJ*** from 138****5678 rejected' });
    expect(thrown?.['stack']).toContain('token eyJ*** from 138****5678 rejected');
    for (const secret of SECRETS) expect(text()).not.toContain(secret);
  });

  it('keeps an object message structured, with its strings scrubbed and credential fields masked', () => {
    const { logger, lines } = capture();
    logger.log({ ...objectMessage, phone: 13812345678 });
    expect(lines()[0]?.['message']).toEqual({ ...scrubbedObjectMessage, phone: '138****5678' });
  });

  it('scrubs what Nest loggers write once it is the application logger, with their context', () => {
    const { logger, lines } = capture();
    Logger.overrideLogger(logger);
    try {
      new Logger('http').error(`POST /v1/reports failed: Authorization: Basic dXNlcjpwYXNzd29yZA== from 13812345678`);
      new Logger('relay').log(() => 'lazy 13712345678');
    } finally {
      Logger.overrideLogger(false);
    }
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'error',
        context: 'http',
        message: 'POST /v1/reports failed: Authorization: Basic *** from 138****5678',
      }),
      expect.objectContaining({ level: 'info', context: 'relay', message: 'lazy 137****5678' }),
    ]);
  });

  it('carries the correlation id of the request or event being handled', async () => {
    const { logger, lines } = capture();
    logger.log('before');
    await logContext.run({ correlationId: 'call-42' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.log('during');
    });
    expect(lines()[0]).not.toHaveProperty('correlationId');
    expect(lines()[1]).toMatchObject({ message: 'during', correlationId: 'call-42' });
  });

  it('keeps the levels it was given', () => {
    const { logger, text, lines } = capture({ level: 'warn' });
    logger.log('hidden 13812345678');
    logger.debug('hidden too');
    logger.warn('shown');
    logger.error('shown too');
    expect(text()).not.toContain('hidden');
    expect(lines().map((l) => l['message'])).toEqual(['shown', 'shown too']);
  });
});

describe('StructuredLogger, pretty lines', () => {
  it('writes one readable line per entry, scrubbed alike', () => {
    const { logger, text } = capture({ format: 'pretty' });
    logger.log(`report from 13812345678 with Bearer ${jwt}`, 'intake');
    logger.error('delivery failed', 'Error: 13912345678\n    at x (/app/x.js:1:1)', 'alert-delivery');
    const output = text();
    expect(output).toMatch(
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: intake \[intake\] report from 138\*\*\*\*5678 with Bearer \*\*\*/m,
    );
    expect(output).toMatch(/ERROR: intake \[alert-delivery\] delivery failed/);
    expect(output).not.toMatch(/^\{/m);
    for (const secret of SECRETS) expect(output).not.toContain(secret);
  });
});
