import { Body, Controller, Get, Header, HttpCode, INestApplication, Module, Param, Post, Put } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { metricsServerOf, startService } from './service';

/** A module with nothing but a trivial controller: startService needs no database or broker for HTTP alone. */
@Controller('echo')
class EchoController {
  @Post()
  @HttpCode(200)
  post(@Body() body: unknown) {
    return { received: body ?? null };
  }

  @Put()
  @HttpCode(200)
  put(@Body() body: unknown) {
    return { received: body ?? null };
  }

  @Get('page')
  @Header('Content-Type', 'text/html; charset=utf-8')
  page() {
    return '<!doctype html><html><body><form method="post"><button type="submit">OK</button></form></body></html>';
  }

  @Get('things/:id')
  thing(@Param('id') id: string) {
    return { id };
  }

  @Get('boom')
  boom(): never {
    throw new Error('SMS to 13812345678 failed with Authorization: Bearer opaque-token-123');
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

let app: INestApplication;
let port: number;

/** One raw HTTP request, so headers (a chunked body, no content type) are exactly what the test says. */
const send = (
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; chunked?: boolean } = {},
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    if (options.body !== undefined && !options.chunked)
      headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });

const postJson = (body: string, contentType = 'application/json') =>
  send('POST', '/echo', { headers: { 'content-type': contentType }, body });

beforeAll(async () => {
  app = await startService(EchoModule, {
    host: '127.0.0.1',
    port: 0,
    logLevel: 'error',
    bodyLimit: '1kb',
    service: 'echo',
    metricsPort: 0,
  });
  port = Number(new URL(await app.getUrl()).port);
});
afterAll(() => app.close());

describe('security headers', () => {
  it("sets helmet's headers on an HTML page and names no framework", async () => {
    const answer = await send('GET', '/echo/page');
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
    expect(answer.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
    expect(answer.headers['content-security-policy']).toContain("form-action 'self'");
    expect(answer.headers['x-powered-by']).toBeUndefined();
  });

  it('sets them on problem responses too', async () => {
    const answer = await postJson('{"broken":', 'application/json');
    expect(answer.status).toBe(400);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['x-powered-by']).toBeUndefined();
  });
});

describe('content types', () => {
  it.each([
    ['application/json', 'application/json'],
    ['application/json with a charset', 'application/json; charset=utf-8'],
    ['upper-case JSON', 'Application/JSON'],
    ['a structured CloudEvent', 'application/cloudevents+json'],
    ['a CloudEvents batch', 'application/cloudevents-batch+json; charset=utf-8'],
  ])('reads %s', async (_name, contentType) => {
    const answer = await postJson('{"description":"leak"}', contentType);
    expect(answer).toMatchObject({ status: 200, json: { received: { description: 'leak' } } });
  });

  it('lets a form through (the alert ack page posts one)', async () => {
    const answer = await send('POST', '/echo', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'ok=1',
    });
    expect(answer.status).toBe(200);
  });

  it('lets a POST without a body through, whatever its type', async () => {
    expect(
      (await send('POST', '/echo', { headers: { 'content-type': 'text/plain', 'content-length': '0' } })).status,
    ).toBe(200);
    expect((await send('POST', '/echo')).status).toBe(200);
  });

  it('refuses a text/plain body with 415 problem+json naming what is accepted', async () => {
    const answer = await send('POST', '/echo', {
      headers: { 'content-type': 'text/plain', 'x-correlation-id': 'c-415' },
      body: 'hello',
    });
    expect(answer.status).toBe(415);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.headers['x-correlation-id']).toBe('c-415');
    expect(answer.json).toMatchObject({
      status: 415,
      title: 'Unsupported Media Type',
      code: 'UNSUPPORTED_MEDIA_TYPE',
      instance: '/echo',
      correlationId: 'c-415',
      accepted: [
        'application/json',
        'application/cloudevents+json',
        'application/cloudevents-batch+json',
        'application/x-www-form-urlencoded',
      ],
    });
    expect(answer.json?.['detail']).toContain('text/plain');
  });

  it('refuses a body without a content type', async () => {
    const answer = await send('POST', '/echo', { body: '{"description":"leak"}' });
    expect(answer).toMatchObject({ status: 415, json: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('refuses a chunked body of another type', async () => {
    const answer = await send('PUT', '/echo', {
      headers: { 'content-type': 'application/xml' },
      body: '<report/>',
      chunked: true,
    });
    expect(answer).toMatchObject({ status: 415, json: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('refuses a look-alike type', async () => {
    const answer = await postJson('{"a":1}', 'application/json-patch+json');
    expect(answer).toMatchObject({ status: 415, json: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });
});

describe('bodies', () => {
  it('answers 413 problem+json for a body over the limit', async () => {
    const answer = await postJson(JSON.stringify({ description: 'x'.repeat(2_000) }));
    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.json).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', limit: '1kb' });
  });

  it('answers 400 problem+json for malformed JSON', async () => {
    const answer = await postJson('{"description": "leak",');
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.json).toMatchObject({ status: 400, code: 'MALFORMED_JSON', instance: '/echo' });
  });
});

describe('logs', () => {
  it('logs an unexpected failure scrubbed, and answers 500 without its details', async () => {
    let stderr = '';
    const spy = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    let answer: Answer;
    try {
      answer = await send('GET', '/echo/boom', { headers: { 'x-correlation-id': 'call-4711' } });
    } finally {
      spy.mockRestore();
    }
    expect(answer.status).toBe(500);
    expect(answer.text).not.toContain('13812345678');
    expect(stderr).toContain('GET /echo/boom failed: Error: SMS to 138****5678 failed with Authorization: Bearer ***');
    expect(stderr).not.toMatch(/13812345678|opaque-token-123/);
    // One JSON line, carrying the request's correlation id.
    const line = JSON.parse(stderr.trim().split('\n').pop() as string) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error', context: 'http', correlationId: 'call-4711' });
  });
});

describe('metrics', () => {
  const scrape = async () => {
    const server = metricsServerOf(app);
    if (!server) throw new Error('startService was given a metrics port');
    expect(server.port).not.toBe(port);
    return (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  };

  it('times each request by its route template and status, never by its path, on the metrics port', async () => {
    await send('GET', '/echo/things/order-4711');
    await send('GET', '/echo/things/order-4712');
    await send('GET', '/nowhere/order-4713');
    await postJson('{"broken":');
    const text = await scrape();
    expect(text).toContain(
      'http_server_request_duration_seconds_count{service="echo",http_request_method="GET",http_route="/echo/things/:id",http_response_status_code="200"} 2',
    );
    // No route took it: no template, and the path is not a label either.
    expect(text).toContain(
      'http_server_request_duration_seconds_count{service="echo",http_request_method="GET",http_route="",http_response_status_code="404"} 1',
    );
    expect(text).toMatch(/http_request_method="POST",http_route="[^"]*",http_response_status_code="400"/);
    expect(text).not.toMatch(/order-47/);
  });

  it('serves nothing but the metrics there, and not the metrics on the API port', async () => {
    expect((await send('GET', '/metrics')).status).toBe(404);
  });
});
