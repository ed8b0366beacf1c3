import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { Destination } from '../channels/alert-channel.port';

export type ContactOwner = { kind: 'staff'; id: string } | { kind: 'site'; id: string };

/** Where people and sites are paged. Destinations carry endpoint secrets, so the API shows them only masked. */
@Injectable()
export class ContactsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async put(owner: ContactOwner, destinations: readonly Destination[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO notification_alert_contacts (owner_kind, owner_id, destinations) VALUES ($1, $2, $3)
       ON CONFLICT (owner_kind, owner_id) DO UPDATE SET destinations = EXCLUDED.destinations, updated_at = now()`,
      [owner.kind, owner.id, JSON.stringify(destinations)],
    );
  }

  async get(owner: ContactOwner): Promise<Destination[] | undefined> {
    const { rows } = await this.pool.query<{ destinations: Destination[] }>(
      'SELECT destinations FROM notification_alert_contacts WHERE owner_kind = $1 AND owner_id = $2',
      [owner.kind, owner.id],
    );
    return rows[0]?.destinations;
  }

  /** The contact a site pages when its escalation chain runs out (ADR 12); none set means the default. */
  async fallbackOf(siteId: string): Promise<Destination[] | undefined> {
    const { rows } = await this.pool.query<{ destinations: Destination[] }>(
      'SELECT destinations FROM notification_alert_site_fallbacks WHERE site_id = $1',
      [siteId],
    );
    return rows[0]?.destinations;
  }

  async putFallback(siteId: string, destinations: readonly Destination[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO notification_alert_site_fallbacks (site_id, destinations) VALUES ($1, $2)
       ON CONFLICT (site_id) DO UPDATE SET destinations = EXCLUDED.destinations, updated_at = now()`,
      [siteId, JSON.stringify(destinations)],
    );
  }

  async deleteFallback(siteId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM notification_alert_site_fallbacks WHERE site_id = $1', [
      siteId,
    ]);
    return (rowCount ?? 0) > 0;
  }

  /** A person's own channels; when they have none, the site's (its duty group's robot, say). */
  async destinationsFor(staffId: string, siteId: string): Promise<Destination[]> {
    const own = await this.get({ kind: 'staff', id: staffId });
    if (own && own.length > 0) return own;
    return (await this.get({ kind: 'site', id: siteId })) ?? [];
  }
}
