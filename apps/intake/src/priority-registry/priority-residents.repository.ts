import { Inject, Injectable } from '@nestjs/common';
import { PriorityNeed } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** An active registration as intake keeps it (intake_priority_residents, migration 0034): never a plain phone. */
export interface ActivePriorityResident {
  readonly registrationId: string;
  readonly siteId: string;
  readonly building: string | undefined;
  readonly unit: string;
  readonly phoneDigest: string;
  readonly phoneMasked: string;
  readonly name: string | undefined;
  readonly need: PriorityNeed;
  readonly consent: {
    readonly givenBy: string;
    readonly recordedBy: { staffId: string; name: string };
    readonly givenOn: string;
  };
  readonly reviewOn: string;
  readonly registeredAt: string;
}

/** What a registration event holds: the row to write. */
export type NewPriorityResident = Omit<ActivePriorityResident, 'building' | 'name'> & {
  readonly building?: string | undefined;
  readonly name?: string | undefined;
};

interface Row {
  registration_id: string;
  site_id: string;
  building: string | null;
  unit: string;
  phone_digest: string;
  phone_masked: string;
  name: string | null;
  need: PriorityNeed;
  consent: ActivePriorityResident['consent'];
  review_on: string;
  registered_at: Date;
}

const COLUMNS = `registration_id, site_id, building, unit, phone_digest, phone_masked, name, need, consent,
  to_char(review_on, 'YYYY-MM-DD') AS review_on, registered_at`;

const fromRow = (r: Row): ActivePriorityResident => ({
  registrationId: r.registration_id,
  siteId: r.site_id,
  building: r.building ?? undefined,
  unit: r.unit,
  phoneDigest: r.phone_digest,
  phoneMasked: r.phone_masked,
  name: r.name ?? undefined,
  need: r.need,
  consent: r.consent,
  reviewOn: r.review_on,
  registeredAt: r.registered_at.toISOString(),
});

/**
 * The registrations active now, for triage (ADR 28). The `priority-resident-<id>` streams are the record: after
 * every command the handler writes the row from its stream's state, active or gone.
 */
@Injectable()
export class PriorityResidentsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async put(resident: NewPriorityResident): Promise<void> {
    await this.pool.query(
      `INSERT INTO intake_priority_residents (registration_id, site_id, building, unit, phone_digest, phone_masked,
         name, need, consent, review_on, registered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (registration_id) DO NOTHING`,
      [
        resident.registrationId,
        resident.siteId,
        resident.building ?? null,
        resident.unit,
        resident.phoneDigest,
        resident.phoneMasked,
        resident.name ?? null,
        resident.need,
        JSON.stringify(resident.consent),
        resident.reviewOn,
        resident.registeredAt,
      ],
    );
  }

  async remove(registrationId: string): Promise<void> {
    await this.pool.query('DELETE FROM intake_priority_residents WHERE registration_id = $1', [registrationId]);
  }

  async find(registrationId: string): Promise<ActivePriorityResident | undefined> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM intake_priority_residents WHERE registration_id = $1`,
      [registrationId],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async atSite(siteId: string): Promise<ActivePriorityResident[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM intake_priority_residents WHERE site_id = $1 ORDER BY registered_at, registration_id`,
      [siteId],
    );
    return rows.map(fromRow);
  }

  /**
   * The registration a report matches: by the reporter's phone digest first, else by the unit (and the building,
   * when the registration names one: then the report must name the same). The oldest registration wins when several match, so the answer is stable.
   */
  async match(
    siteId: string,
    place: {
      readonly phoneDigest?: string | undefined;
      readonly building?: string | undefined;
      readonly unit?: string | undefined;
    },
  ): Promise<(ActivePriorityResident & { matchedBy: 'phone' | 'unit' }) | undefined> {
    const { rows } = await this.pool.query<Row & { matched_by: 'phone' | 'unit' }>(
      `SELECT ${COLUMNS}, CASE WHEN COALESCE(phone_digest = $2, false) THEN 'phone' ELSE 'unit' END AS matched_by
         FROM intake_priority_residents
        WHERE site_id = $1
          AND (phone_digest = $2
               OR (unit = $3 AND (building IS NULL OR building = $4)))
        ORDER BY COALESCE(phone_digest = $2, false) DESC, registered_at, registration_id
        LIMIT 1`,
      [siteId, place.phoneDigest ?? null, place.unit ?? null, place.building ?? null],
    );
    const row = rows[0];
    return row && { ...fromRow(row), matchedBy: row.matched_by };
  }

  /** Registrations whose review date has come (the site's date `today`), for the expiry worker. */
  async dueForReview(today: string, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ registration_id: string }>(
      `SELECT registration_id FROM intake_priority_residents WHERE review_on <= $1::date
        ORDER BY review_on, registration_id LIMIT $2`,
      [today, limit],
    );
    return rows.map((r) => r.registration_id);
  }
}
