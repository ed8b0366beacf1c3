import { CloudEvent, EventTypes, parseDomainEvent } from '@closeloop/contracts';
import { PoolClient } from 'pg';

/**
 * query's copy of the priority registry (query_priority_residents, migration 0034), folded from the registry's
 * events on workorders.events (ADR 28): a row per registration, ended ones kept with how they ended. Each event
 * applies once, in log order: an event at or below the row's sequence is a redelivery and changes nothing.
 */
export const projectPriorityRegistryEvent = async (client: PoolClient, published: CloudEvent): Promise<boolean> => {
  const parsed = parseDomainEvent(published.type, published.data);
  if (!parsed.ok) return false;
  const { event } = parsed;
  const sequence = published.sequence ?? null;
  switch (event.type) {
    case EventTypes.PriorityResidentRegistered: {
      const d = event.data;
      const { rowCount } = await client.query(
        `INSERT INTO query_priority_residents (registration_id, site_id, building, unit, phone_digest, phone_masked,
           need, review_on, registered_at, sequence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (registration_id) DO NOTHING`,
        [
          d.registrationId,
          d.siteId,
          d.building ?? null,
          d.unit,
          d.phoneDigest,
          d.phoneMasked,
          d.need,
          d.reviewOn,
          d.registeredAt,
          sequence,
        ],
      );
      return rowCount !== 0;
    }
    case EventTypes.PriorityResidentRemoved:
    case EventTypes.PriorityResidentExpired: {
      const removed = event.type === EventTypes.PriorityResidentRemoved;
      const at = removed ? event.data.removedAt : event.data.expiredAt;
      const { rowCount } = await client.query(
        `UPDATE query_priority_residents SET ended = $2, ended_at = $3, sequence = $4
          WHERE registration_id = $1 AND ended IS NULL`,
        [event.data.registrationId, removed ? 'removed' : 'expired', at, sequence],
      );
      return rowCount !== 0;
    }
    default:
      return false;
  }
};

export interface PriorityRegistrationRow {
  readonly registration_id: string;
  readonly building: string | null;
  readonly unit: string;
  readonly phone_digest: string;
  readonly phone_masked: string;
  readonly need: string;
  readonly review_on: string;
  readonly registered_at: Date;
}
