import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaffRole, loadRecordSigningKey, verifyRecordSignature } from '@closeloop/auth';
import { CloudEvent, DomainEvent, EventTypes } from '@closeloop/contracts';
import { attachPrincipal } from '@closeloop/http';
import {
  ceilingLeakReported,
  freshDatabase,
  publishedWorkOrderEvent,
  repositoryRoot,
  TestDatabase,
} from '@closeloop/testing';
import type { Request, Response } from 'express';
import { projectEvent } from '../projection/work-order.projection';
import { WorkOrderViewsRepository } from '../work-orders/work-order-views.repository';
import { SigningKeyHttpController } from './signing-key.http.controller';
import { WorkOrderRecordHttpController } from './work-order-record.http.controller';
import { staffRequest } from '../staff-request.spec';

// An order's signed record (docs/adr/0033-tamper-evident-event-chain.md): signed by the deployment's key, it verifies
// with the public key /.well-known serves, in process and with `admin audit check-record`; one changed byte fails.

const as = (roles: StaffRole[], accept = 'application/json'): Request =>
  staffRequest(roles, ['S1'], {
    accepts: (types: string[]) => (types.includes(accept) ? accept : types[0]),
  } as unknown as Request);
const response = () => {
  const headers: Record<string, string> = {};
  return { headers, setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as Response & {
    headers: Record<string, string>;
  };
};

/** The order's events as the relay publishes them: numbered from 1, each chained to the one before. */
const published = (workOrderId: string, event: DomainEvent, time: string, n: number): CloudEvent => ({
  ...publishedWorkOrderEvent(workOrderId, event, n, time),
  chainhash: String(n).padStart(64, 'a'),
  chainprevhash: String(n - 1).padStart(64, n === 1 ? '0' : 'a'),
});

const admin = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repositoryRoot, 'tools', 'admin', 'closeloop-admin.js'), ...args],
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

describe('GET /v1/work-orders/{id}/record', () => {
  let db: TestDatabase;
  let dir: string;
  let controller: WorkOrderRecordHttpController;
  let wellKnown: SigningKeyHttpController;
  const workOrderId = randomUUID();

  beforeAll(async () => {
    db = await freshDatabase('query_record');
    dir = mkdtempSync(join(tmpdir(), 'closeloop-record-'));
    const key = loadRecordSigningKey(join(dir, 'record-signing-key.json'), true);
    controller = new WorkOrderRecordHttpController(new WorkOrderViewsRepository(db.pool), key, {
      now: () => new Date('2026-11-24T02:00:00.000Z'),
    });
    wellKnown = new SigningKeyHttpController(key);
    const client = await db.pool.connect();
    try {
      const events: DomainEvent[] = [
        ceilingLeakReported(workOrderId, 'S1-20261123-7001', { description: '卫生间天花板漏水' }),
        {
          type: EventTypes.WorkOrderClosed,
          data: {
            workOrderId,
            outcome: 'confirmed',
            rating: 5,
            comment: '师傅很专业，谢谢',
            closedAt: '2026-11-23T08:00:00.000Z',
          },
        },
      ];
      let n = 0;
      for (const event of events)
        await projectEvent(client, published(workOrderId, event, `2026-11-23T0${++n}:00:00.000Z`, n));
    } finally {
      client.release();
    }
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('is signed by the deployment and verifies with the public key it serves; a changed byte fails', async () => {
    const record = (await controller.record(workOrderId, as(['supervisor']), response())) as Record<string, unknown>;
    const [publicKey] = wellKnown.signingKey().keys;
    expect(record).toMatchObject({ format: 'closeloop.work-order-record.v1', headHash: '2'.padStart(64, 'a') });
    expect(verifyRecordSignature(record, publicKey!)).toBe(true);
    // A supervisor sees the reporter's number masked, in the order and in the events.
    expect(JSON.stringify(record)).not.toContain('13812345678');
    expect(JSON.stringify(record)).toContain('师傅很专业');

    const file = join(dir, 'record.json');
    const jwks = join(dir, 'jwks.json');
    const text = JSON.stringify(record, null, 2);
    writeFileSync(file, text);
    writeFileSync(jwks, JSON.stringify(wellKnown.signingKey()));
    const checked = await admin('audit', 'check-record', file, '--key', jwks);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('verifies: signed by key');

    // One byte of the comment changed: 专业 → 专 业 would be two bytes; change one ASCII byte of the number instead.
    const changed = text.replace('S1-20261123-7001', 'S1-20261123-7002');
    expect(changed).not.toBe(text);
    writeFileSync(file, changed);
    expect(verifyRecordSignature(JSON.parse(changed), publicKey!)).toBe(false);
    const refused = await admin('audit', 'check-record', file, '--key', jwks);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('does NOT verify');
  });

  it('renders the same record as a PDF with the CJK font', async () => {
    const res = response();
    const pdf = await controller.record(workOrderId, as(['supervisor'], 'application/pdf'), res);
    expect(res.headers['Content-Type']).toBe('application/pdf');
    const bytes = (pdf as { getStream: () => NodeJS.ReadableStream }).getStream();
    const chunks: Buffer[] = [];
    for await (const chunk of bytes) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    // The embedded font is the CJK one the monthly report uses: Chinese glyphs, not boxes.
    expect(body.toString('latin1')).toMatch(/Noto|CJK|Source ?Han|WenQuanYi|Droid/i);
    // Where poppler is installed, the text reads back as written: the Chinese comment, not boxes.
    if (existsSync('/usr/bin/pdftotext')) {
      const file = join(dir, 'record.pdf');
      writeFileSync(file, body);
      const text = execFileSync('/usr/bin/pdftotext', [file, '-'], { encoding: 'utf8' });
      expect(text.replace(/\s+/g, '')).toContain('师傅很专业');
    }
  });

  it('answers 404 for another site’s order', async () => {
    const request = {} as Request;
    attachPrincipal(request, { kind: 'staff', staffId: 's2-sup', name: 'T', roles: ['supervisor'], sites: ['S2'] });
    await expect(controller.record(workOrderId, request, response())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
