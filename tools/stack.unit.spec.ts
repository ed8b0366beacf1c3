import { createServer, Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// scripts/stack.js is the plain-JavaScript process manager behind `npm run up` and the e2e tests.
const { startStack } = require('../scripts/stack.js') as {
  startStack: (options: Record<string, unknown>) => Promise<unknown>;
};

describe('scripts/stack.js', () => {
  let occupant: Server;
  let logDir: string;
  const portOffset = 47_000;

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'closeloop-stack-'));
    occupant = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => occupant.listen(3005 + portOffset, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => occupant.close(resolve));
    rmSync(logDir, { recursive: true, force: true });
  });

  it('refuses to start a service on a port something already answers on, naming the port and the service', async () => {
    await expect(startStack({ env: {}, logDir, portOffset, only: ['query'] })).rejects.toThrow(
      /port 50005 \(query\) is already in use/,
    );
  });
});
