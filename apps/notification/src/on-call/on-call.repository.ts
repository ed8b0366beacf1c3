import { Inject, Injectable } from '@nestjs/common';
import { OnCallSchedule, Override, Rotation } from '@closeloop/notification-domain';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

interface RotationRow {
  rotation_id: string;
  site_id: string;
  level: number;
  time_zone: string;
  handoff: 'daily' | 'weekly';
  handoff_time: string;
  handoff_weekday: number | null;
  starts_on: string;
  members: string[];
}

interface OverrideRow {
  override_id: string;
  site_id: string;
  level: number;
  staff_id: string;
  from_at: Date;
  to_at: Date;
  reason: string;
  created_at: Date;
}

const toRotation = (r: RotationRow): Rotation => ({
  id: r.rotation_id,
  siteId: r.site_id,
  level: r.level as Rotation['level'],
  timeZone: r.time_zone,
  handoff: r.handoff,
  handoffTime: r.handoff_time,
  ...(r.handoff_weekday !== null ? { handoffWeekday: r.handoff_weekday } : {}),
  startsOn: r.starts_on,
  members: r.members,
});

const toOverride = (r: OverrideRow): Override => ({
  id: r.override_id,
  siteId: r.site_id,
  level: r.level as Override['level'],
  staffId: r.staff_id,
  from: r.from_at.toISOString(),
  to: r.to_at.toISOString(),
  reason: r.reason,
  createdAt: r.created_at.toISOString(),
});

/** Rotations and overrides in PostgreSQL: edited through the API while the service runs, read at every alert. */
@Injectable()
export class OnCallRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async scheduleOf(siteId: string): Promise<OnCallSchedule> {
    const [rotations, overrides] = await Promise.all([
      this.pool.query<RotationRow>(
        `SELECT *, to_char(starts_on, 'YYYY-MM-DD') AS starts_on FROM notification_oncall_rotations WHERE site_id = $1 ORDER BY created_at, rotation_id`,
        [siteId],
      ),
      this.pool.query<OverrideRow>(
        'SELECT * FROM notification_oncall_overrides WHERE site_id = $1 ORDER BY created_at',
        [siteId],
      ),
    ]);
    return { rotations: rotations.rows.map(toRotation), overrides: overrides.rows.map(toOverride) };
  }

  async rotation(rotationId: string): Promise<Rotation | undefined> {
    const { rows } = await this.pool.query<RotationRow>(
      `SELECT *, to_char(starts_on, 'YYYY-MM-DD') AS starts_on FROM notification_oncall_rotations WHERE rotation_id = $1`,
      [rotationId],
    );
    return rows[0] && toRotation(rows[0]);
  }

  async putRotation(rotation: Rotation): Promise<void> {
    await this.pool.query(
      `INSERT INTO notification_oncall_rotations (rotation_id, site_id, level, time_zone, handoff, handoff_time, handoff_weekday, starts_on, members)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (rotation_id) DO UPDATE SET site_id = EXCLUDED.site_id, level = EXCLUDED.level, time_zone = EXCLUDED.time_zone,
         handoff = EXCLUDED.handoff, handoff_time = EXCLUDED.handoff_time, handoff_weekday = EXCLUDED.handoff_weekday,
         starts_on = EXCLUDED.starts_on, members = EXCLUDED.members, updated_at = now()`,
      [
        rotation.id,
        rotation.siteId,
        rotation.level,
        rotation.timeZone,
        rotation.handoff,
        rotation.handoffTime,
        rotation.handoffWeekday ?? null,
        rotation.startsOn,
        rotation.members,
      ],
    );
  }

  async deleteRotation(rotationId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM notification_oncall_rotations WHERE rotation_id = $1', [
      rotationId,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async addOverride(override: Omit<Override, 'createdAt'>): Promise<Override> {
    const { rows } = await this.pool.query<OverrideRow>(
      `INSERT INTO notification_oncall_overrides (override_id, site_id, level, staff_id, from_at, to_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [override.id, override.siteId, override.level, override.staffId, override.from, override.to, override.reason],
    );
    return toOverride(rows[0] as OverrideRow);
  }

  async override(overrideId: string): Promise<Override | undefined> {
    const { rows } = await this.pool.query<OverrideRow>(
      'SELECT * FROM notification_oncall_overrides WHERE override_id = $1',
      [overrideId],
    );
    return rows[0] && toOverride(rows[0]);
  }

  /** Whether the person is in a rotation or an override of one of these sites (of any site, given none). */
  async isOnCallAtAnyOf(staffId: string, sites: readonly string[] | undefined): Promise<boolean> {
    const { rows } = await this.pool.query(
      `SELECT 1 FROM notification_oncall_rotations WHERE $1 = ANY(members) AND ($2::text[] IS NULL OR site_id = ANY($2))
       UNION ALL
       SELECT 1 FROM notification_oncall_overrides WHERE staff_id = $1 AND ($2::text[] IS NULL OR site_id = ANY($2))
       LIMIT 1`,
      [staffId, sites ?? null],
    );
    return rows.length > 0;
  }

  async deleteOverride(overrideId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM notification_oncall_overrides WHERE override_id = $1', [
      overrideId,
    ]);
    return (rowCount ?? 0) > 0;
  }
}
