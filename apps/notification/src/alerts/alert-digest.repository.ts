import { Inject, Injectable } from '@nestjs/common';
import { AlertChannel } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { Destination } from '../channels/alert-channel.port';

/** A storm's digest window at one site. */
export interface StormBatch {
  readonly openedAt: Date;
  readonly closesAt: Date;
}

export interface DigestRow {
  readonly digest_id: string;
  readonly site_id: string;
  readonly window_seconds: number;
  readonly staff_id: string;
  readonly channel: AlertChannel;
  readonly destination: Destination;
  readonly status: 'gathering' | 'delivered' | 'dead' | 'cancelled';
  readonly due_at: Date;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly sent_at: Date | null;
}

export interface DigestItem {
  readonly alert_id: string;
  readonly work_order_id: string;
}

/**
 * Storm shaping's working state (ADR 12): which alerts of a site were held for a digest, the digest windows, and
 * one digest per recipient, channel and window with the alerts it lists. The decision for an alert is taken once
 * and kept, so a redelivered escalation or a second instance finds the same answer.
 */
@Injectable()
export class AlertDigestRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Paged one by one (undefined) or held for the site's open digest window. Counted members are alerts: once the
   * site has `threshold` of them within the window's length, the next and later ones are held (more than N in M
   * minutes), and a window opens for them if none is. A chain's fallback page is held by the same rule but does not
   * add to the count. The caller holds the site's storm lock, so two instances never both see "one below".
   */
  async decide(
    memberKey: string,
    siteId: string,
    counted: boolean,
    threshold: number,
    windowSeconds: number,
  ): Promise<StormBatch | undefined> {
    const known = await this.pool.query<{ batch_opened_at: Date | null }>(
      'SELECT batch_opened_at FROM notification_alert_storm_members WHERE member_key = $1',
      [memberKey],
    );
    if (known.rows[0])
      return known.rows[0].batch_opened_at ? this.batch(siteId, known.rows[0].batch_opened_at) : undefined;
    let batch = await this.openBatch(siteId);
    if (!batch && threshold > 0 && (await this.recentCount(siteId, windowSeconds)) >= threshold)
      batch = await this.openWindow(siteId, windowSeconds);
    await this.pool.query(
      'INSERT INTO notification_alert_storm_members (member_key, site_id, counted, batch_opened_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [memberKey, siteId, counted, batch?.openedAt ?? null],
    );
    return batch;
  }

  /**
   * `decide` for many counted members of one site at once, in the order given, as if decided one after the other:
   * members decided before keep their answer; the first new ones are paged until the site has `threshold` within
   * the window, and from there on they are held for a window opened then (or the one already open). The caller holds
   * the site's storm lock.
   */
  async decideMany(
    memberKeys: readonly string[],
    siteId: string,
    threshold: number,
    windowSeconds: number,
  ): Promise<Map<string, StormBatch | undefined>> {
    const decided = new Map<string, StormBatch | undefined>();
    const known = await this.pool.query<{ member_key: string; batch_opened_at: Date | null }>(
      'SELECT member_key, batch_opened_at FROM notification_alert_storm_members WHERE member_key = ANY($1::text[])',
      [memberKeys],
    );
    for (const row of known.rows)
      decided.set(row.member_key, row.batch_opened_at ? await this.batch(siteId, row.batch_opened_at) : undefined);
    const fresh = [...new Set(memberKeys)].filter((key) => !decided.has(key));
    if (fresh.length === 0) return decided;
    let batch = await this.openBatch(siteId);
    let recent = !batch && threshold > 0 ? await this.recentCount(siteId, windowSeconds) : 0;
    for (const key of fresh) {
      if (!batch && threshold > 0 && recent >= threshold) batch = await this.openWindow(siteId, windowSeconds);
      decided.set(key, batch);
      if (!batch) recent++;
    }
    await this.pool.query(
      `INSERT INTO notification_alert_storm_members (member_key, site_id, counted, batch_opened_at)
       SELECT key, $2, true, opened_at FROM unnest($1::text[], $3::timestamptz[]) AS m(key, opened_at)
       ON CONFLICT DO NOTHING`,
      [fresh, siteId, fresh.map((key) => decided.get(key)?.openedAt ?? null)],
    );
    return decided;
  }

  private async recentCount(siteId: string, windowSeconds: number): Promise<number> {
    const { rows } = await this.pool.query<{ recent: number }>(
      `SELECT count(*)::int AS recent FROM notification_alert_storm_members
        WHERE site_id = $1 AND counted AND decided_at > now() - make_interval(secs => $2)`,
      [siteId, windowSeconds],
    );
    return rows[0]?.recent ?? 0;
  }

  private async openWindow(siteId: string, windowSeconds: number): Promise<StormBatch> {
    const opened = await this.pool.query<{ opened_at: Date; closes_at: Date }>(
      // To the millisecond: the instant names the window wherever it is kept, and a JavaScript Date holds no finer.
      `INSERT INTO notification_alert_storm_batches (site_id, opened_at, closes_at)
       VALUES ($1, date_trunc('milliseconds', now()), date_trunc('milliseconds', now()) + make_interval(secs => $2)) RETURNING opened_at, closes_at`,
      [siteId, windowSeconds],
    );
    const row = opened.rows[0] as { opened_at: Date; closes_at: Date };
    return { openedAt: row.opened_at, closesAt: row.closes_at };
  }

  private async openBatch(siteId: string): Promise<StormBatch | undefined> {
    const { rows } = await this.pool.query<{ opened_at: Date; closes_at: Date }>(
      'SELECT opened_at, closes_at FROM notification_alert_storm_batches WHERE site_id = $1 AND closes_at > now() ORDER BY opened_at DESC LIMIT 1',
      [siteId],
    );
    return rows[0] && { openedAt: rows[0].opened_at, closesAt: rows[0].closes_at };
  }

  private async batch(siteId: string, openedAt: Date): Promise<StormBatch | undefined> {
    const { rows } = await this.pool.query<{ opened_at: Date; closes_at: Date }>(
      'SELECT opened_at, closes_at FROM notification_alert_storm_batches WHERE site_id = $1 AND opened_at = $2',
      [siteId, openedAt],
    );
    return rows[0] && { openedAt: rows[0].opened_at, closesAt: rows[0].closes_at };
  }

  /**
   * Lists the alert in the recipient's digest for this window and channel, the digest made on first use and due a
   * moment after the window closes (room for a decision taken in its last instant to be listed). Undefined when
   * that digest is already being sent or was sent: the caller pages the alert on its own instead.
   */
  async hold(
    batch: StormBatch,
    siteId: string,
    windowSeconds: number,
    staffId: string,
    destination: Destination,
    alertId: string,
    workOrderId: string,
    newDigestId: string,
  ): Promise<string | undefined> {
    // Held before (a redelivered escalation): it was or will be paged in that digest, not again on its own.
    const held = await this.pool.query<{ digest_id: string }>(
      `SELECT i.digest_id FROM notification_alert_digest_items i JOIN notification_alert_digests d USING (digest_id)
        WHERE i.alert_id = $1 AND d.staff_id = $2 AND d.channel = $3`,
      [alertId, staffId, destination.channel],
    );
    if (held.rows[0]) return held.rows[0].digest_id;
    const { rows } = await this.pool.query<{ digest_id: string; sendable: boolean }>(
      `INSERT INTO notification_alert_digests (digest_id, site_id, batch_opened_at, window_seconds, staff_id, channel, destination, due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz + interval '2 seconds')
       ON CONFLICT (site_id, batch_opened_at, staff_id, channel) DO UPDATE SET site_id = EXCLUDED.site_id
       RETURNING digest_id, (status = 'gathering' AND (claimed_until IS NULL OR claimed_until < now())) AS sendable`,
      [
        newDigestId,
        siteId,
        batch.openedAt,
        windowSeconds,
        staffId,
        destination.channel,
        JSON.stringify(destination),
        batch.closesAt,
      ],
    );
    const digest = rows[0] as { digest_id: string; sendable: boolean };
    if (!digest.sendable) return undefined;
    await this.pool.query(
      'INSERT INTO notification_alert_digest_items (digest_id, alert_id, work_order_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [digest.digest_id, alertId, workOrderId],
    );
    return digest.digest_id;
  }

  /** Digests whose window closed, leased for `leaseSeconds` (FOR UPDATE SKIP LOCKED: instances share the work). */
  async claimDue(batchSize: number, leaseSeconds: number): Promise<DigestRow[]> {
    const { rows } = await this.pool.query<DigestRow>(
      `UPDATE notification_alert_digests d SET claimed_until = now() + make_interval(secs => $2)
       FROM (SELECT digest_id FROM notification_alert_digests
             WHERE status = 'gathering' AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
             ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
       WHERE d.digest_id = due.digest_id
       RETURNING d.*`,
      [batchSize, leaseSeconds],
    );
    return rows;
  }

  async find(digestId: string): Promise<DigestRow | undefined> {
    const { rows } = await this.pool.query<DigestRow>('SELECT * FROM notification_alert_digests WHERE digest_id = $1', [
      digestId,
    ]);
    return rows[0];
  }

  async items(digestId: string): Promise<DigestItem[]> {
    const { rows } = await this.pool.query<DigestItem>(
      'SELECT alert_id, work_order_id FROM notification_alert_digest_items WHERE digest_id = $1 ORDER BY added_at, alert_id',
      [digestId],
    );
    return rows;
  }

  async finish(
    digestId: string,
    status: 'delivered' | 'dead' | 'cancelled',
    attempts: number,
    error?: string,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE notification_alert_digests SET status = $2, attempts = $3, last_error = COALESCE($4, last_error), claimed_until = NULL,
         sent_at = CASE WHEN $2 = 'delivered' THEN now() ELSE sent_at END
       WHERE digest_id = $1`,
      [digestId, status, attempts, error ?? null],
    );
  }

  async retryLater(digestId: string, attempts: number, error: string, delayMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE notification_alert_digests
          SET attempts = $2, last_error = $3, claimed_until = NULL, due_at = now() + make_interval(secs => $4)
        WHERE digest_id = $1 AND status = 'gathering'`,
      [digestId, attempts, error, delayMs / 1000],
    );
  }

  /** Releases a digest whose processing failed (not its send), to be tried again shortly. */
  async release(digestId: string): Promise<void> {
    await this.pool.query(
      `UPDATE notification_alert_digests SET claimed_until = NULL, due_at = now() + interval '5 seconds' WHERE digest_id = $1 AND status = 'gathering'`,
      [digestId],
    );
  }

  /** Marks a digest link used; false if it was used before. */
  async useLink(linkDigest: string, digestId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'INSERT INTO notification_alert_digest_links_used (link_digest, digest_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [linkDigest, digestId],
    );
    return (rowCount ?? 0) > 0;
  }
}
