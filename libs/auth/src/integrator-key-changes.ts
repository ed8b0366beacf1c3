import { Client, Pool } from 'pg';

/** Sent by migration 0042's triggers on every change to an integrator or one of its keys, at its commit. */
export const INTEGRATOR_KEYS_CHANGED_CHANNEL = 'closeloop_integrator_keys_changed';

const RECONNECT_MILLIS = 1_000;

/**
 * Listens for changes to integrators and their keys (a revocation, a rotation's expiry, a scope change), on a
 * connection of its own. `generation` moves on at each change, and also whenever the connection is made or lost,
 * since changes may have been missed in between: what a holder read before the generation it holds may be stale.
 * `live` is false while not listening, when nothing read may be trusted past the request that read it.
 */
export class IntegratorKeyChanges {
  generation = 0;
  live = false;
  private client: Client | undefined;
  private connecting = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly pool: Pool) {}

  /** Starts listening unless it is already, or is trying to; returns at once. */
  start(): void {
    if (this.client || this.connecting || this.closed || this.retry) return;
    this.connecting = true;
    void this.connect().finally(() => (this.connecting = false));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.forget();
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      ...this.pool.options,
      application_name: 'closeloop-integrator-key-changes',
      keepAlive: true,
    });
    client.on('notification', () => this.generation++);
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${INTEGRATOR_KEYS_CHANGED_CHANNEL}`);
    } catch {
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.generation++;
    this.live = true;
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.forget();
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private forget(): void {
    this.client = undefined;
    this.live = false;
    this.generation++;
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.start();
    }, RECONNECT_MILLIS);
    this.retry.unref();
  }
}
