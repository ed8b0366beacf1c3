import { Logger } from '@nestjs/common';
import { WakeableLoop } from '@closeloop/database';
import type { Response } from 'express';
import { WorkOrderRow } from '../work-orders/work-order-views.repository';
import { FeedSubscriber } from './order-change-feed';
import { OrderChangesRepository } from './order-changes.repository';
import { serverSentComment, serverSentEvent } from './server-sent-events';

export interface OrderChangeStreamSettings {
  readonly siteId: string;
  /** The last change the client has; the stream sends every later one of the site, then the live ones. */
  readonly after: bigint;
  /** The order as an item of GET /v1/work-orders shows it to this caller (phones masked by role). */
  readonly itemOf: (row: WorkOrderRow) => unknown;
  readonly changes: OrderChangesRepository;
  readonly logger: Logger;
}

/** Changes read per query; a longer backlog is sent a batch after another. */
const BATCH = 200;
/** The poll under the LISTEN wake-ups: a change reaches the client within about this even if a wake-up is lost. */
const POLL_MILLIS = 1_000;
const HEARTBEAT_MILLIS = 15_000;
/**
 * A client that reads slower than its site changes is cut off rather than buffered without bound; it reconnects
 * with its Last-Event-ID and loses nothing.
 */
const MAX_BUFFERED_BYTES = 1 << 20;
/**
 * A stream is authorised once, when it opens: it ends after this long, so a client reconnects (resuming from its
 * last id) with a token that is checked again, and a revoked or expired one stops being served.
 */
const MAX_STREAM_MILLIS = 10 * 60_000;

/** One open GET /v1/stream: sends the site's changes after a cursor as `work-order` events, until either side ends it. */
export class OrderChangeStream implements FeedSubscriber {
  readonly siteId: string;
  private readonly loop = new WakeableLoop(() => this.run());
  private cursor: bigint;
  /** A wake-up that came while a read was under way: read again before sleeping. */
  private woken = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly response: Response,
    private readonly settings: OrderChangeStreamSettings,
  ) {
    this.siteId = settings.siteId;
    this.cursor = settings.after;
  }

  /** Sends from the cursor on; `onEnd` runs once, whoever ended the stream. */
  start(onEnd: () => void): void {
    // A client that hung up while the stream was being set up has no 'close' left to come.
    if (this.response.destroyed || !this.response.socket || this.response.socket.destroyed) {
      onEnd();
      return;
    }
    this.response.on('close', () => {
      this.timers.forEach(clearInterval);
      void this.loop.stop().then(onEnd);
    });
    this.timers.push(
      setInterval(() => this.send(serverSentComment('keep-alive')), HEARTBEAT_MILLIS),
      setTimeout(() => this.end(), MAX_STREAM_MILLIS),
    );
    this.loop.start();
  }

  wake(): void {
    this.woken = true;
    this.loop.wake();
  }

  end(): void {
    this.response.end();
  }

  /** Nothing is written once the response has ended (the loop may be between a read and its stop). */
  private send(chunk: string): void {
    if (!this.response.writableEnded) this.response.write(chunk);
  }

  private async run(): Promise<void> {
    while (this.loop.running) {
      this.woken = false;
      let sent = 0;
      try {
        sent = await this.sendNext();
      } catch (error) {
        this.settings.logger.warn(`stream of ${this.siteId}: ${(error as Error).message}; reading again shortly`);
      }
      if (this.response.writableLength > MAX_BUFFERED_BYTES) this.end();
      if (this.loop.running && sent < BATCH && !this.woken) await this.loop.sleep(POLL_MILLIS);
    }
  }

  private async sendNext(): Promise<number> {
    const rows = await this.settings.changes.after(this.siteId, this.cursor, BATCH);
    for (const row of rows) {
      if (!this.loop.running) break;
      this.send(serverSentEvent({ id: row.change_id, event: 'work-order', data: this.settings.itemOf(row) }));
      this.cursor = BigInt(row.change_id);
    }
    return rows.length;
  }
}
