import { scrubSecrets } from '@closeloop/contracts';
import { APPEND_NOTIFICATION_CHANNEL, EventStore } from '@closeloop/event-store';
import { Producer } from 'kafkajs';
import { Pool, PoolClient } from 'pg';
import { toKafkaMessage } from './published-event';

export interface RelayOptions {
  readonly pool: Pool;
  readonly store: EventStore;
  readonly producer: Producer;
  readonly topic: string;
  /** Names the checkpoint row and the leadership lock; one relay per (store, topic). */
  readonly name?: string;
  readonly batchSize?: number;
  /** Longest sleep between reads when no append notification arrives. */
  readonly idleMillis?: number;
  /** How often a standby tries to take the lead: the longest a leader's death goes unnoticed. */
  readonly standbyMillis?: number;
  readonly log?: (message: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes committed events to Kafka in commit order, at least once: it publishes a batch, waits for the
 * broker's acknowledgement, then moves its durable checkpoint. A crash between the two republishes the batch,
 * which consumers absorb by event id. Every service instance that writes events runs one; a PostgreSQL
 * advisory lock lets exactly one of them lead, and another takes over when the leader's session ends.
 */
export class EventRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private leaderClient: PoolClient | undefined;
  private leadershipLost = false;
  private readonly name: string;
  private readonly batchSize: number;
  private readonly idleMillis: number;
  private readonly standbyMillis: number;
  private readonly log: (message: string) => void;

  constructor(private readonly options: RelayOptions) {
    this.name = options.name ?? `relay:${options.topic}`;
    this.batchSize = options.batchSize ?? 500;
    this.idleMillis = options.idleMillis ?? 250;
    this.standbyMillis = options.standbyMillis ?? 1_000;
    // Driver errors can quote a connection string or a value from an event: scrubbed, whatever logger is given.
    const log = options.log ?? (() => undefined);
    this.log = (message) => log(scrubSecrets(message));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (await this.becomeLeader()) await this.publishWhileLeader();
        else await this.idle(this.standbyMillis);
      } catch (error) {
        this.log(`relay ${this.name} failed, retrying in 1s: ${(error as Error).message}`);
        await this.releaseLeadership();
        await sleep(1_000);
      }
    }
    await this.releaseLeadership();
  }

  private async becomeLeader(): Promise<boolean> {
    const client = await this.options.pool.connect();
    const { rows } = await client.query<{ leader: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS leader', [this.name]);
    if (!rows[0]?.leader) {
      client.release();
      return false;
    }
    this.leaderClient = client;
    this.leadershipLost = false;
    client.on('notification', () => this.wake?.());
    // Losing the session loses the lock: stop publishing at once, since another instance may now lead.
    client.on('error', () => {
      this.leadershipLost = true;
      this.wake?.();
    });
    await client.query(`LISTEN ${APPEND_NOTIFICATION_CHANNEL}`);
    this.log(`relay ${this.name} is leading`);
    return true;
  }

  private async releaseLeadership(): Promise<void> {
    const client = this.leaderClient;
    this.leaderClient = undefined;
    if (!client) return;
    client.removeAllListeners('notification');
    client.removeAllListeners('error');
    // Closing the session (release with an error) drops both the lock and the LISTEN, even if the connection is broken.
    client.release(true);
  }

  private async publishWhileLeader(): Promise<void> {
    let checkpoint = await this.readCheckpoint();
    while (this.running) {
      if (this.leadershipLost) throw new Error('lost the leadership session');
      const events = await this.options.store.readAll(checkpoint, this.batchSize);
      if (events.length === 0) {
        await this.idle(this.idleMillis);
        continue;
      }
      await this.options.producer.send({ topic: this.options.topic, acks: -1, messages: events.map(toKafkaMessage) });
      checkpoint = events[events.length - 1]?.checkpoint;
      await this.saveCheckpoint(checkpoint as string);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async readCheckpoint(): Promise<string | undefined> {
    const { rows } = await this.options.pool.query<{ checkpoint: string }>('SELECT checkpoint FROM es_checkpoints WHERE subscriber = $1', [this.name]);
    return rows[0]?.checkpoint;
  }

  private async saveCheckpoint(checkpoint: string): Promise<void> {
    await this.options.pool.query(
      `INSERT INTO es_checkpoints (subscriber, checkpoint) VALUES ($1, $2)
       ON CONFLICT (subscriber) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, updated_at = now()`,
      [this.name, checkpoint],
    );
  }
}
