import { Inject, Injectable } from '@nestjs/common';
import { CloseloopError } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { DatabaseError, Pool } from 'pg';
import { DeskNotes } from './monthly-report';
import { StaffRef } from './report-order';

const UNIQUE_VIOLATION = '23505';

/** Another supervisor saved the notes since the version this save read. */
export class NotesVersionConflictError extends CloseloopError {
  constructor(currentVersion: number) {
    super('concurrency', 'NOTES_VERSION_CONFLICT', `The notes were saved since: read version ${currentVersion} again`, {
      currentVersion,
    });
  }
}

/** The desk's notes on each month's report, every version kept (query_report_notes). */
@Injectable()
export class ReportNotesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async latest(siteId: string, month: string): Promise<DeskNotes | null> {
    const { rows } = await this.pool.query<{
      version: number;
      text: string;
      author_id: string;
      author_name: string;
      saved_at: Date;
    }>(
      `SELECT version, text, author_id, author_name, saved_at FROM query_report_notes
       WHERE site_id = $1 AND month = $2 ORDER BY version DESC LIMIT 1`,
      [siteId, month],
    );
    const row = rows[0];
    return row
      ? {
          version: row.version,
          text: row.text,
          author: { staffId: row.author_id, name: row.author_name },
          savedAt: row.saved_at.toISOString(),
        }
      : null;
  }

  /** Saves the next version, if `readVersion` is still the latest (0: there were none). */
  async save(
    siteId: string,
    month: string,
    readVersion: number,
    text: string,
    author: StaffRef,
    now: Date,
  ): Promise<DeskNotes> {
    const current = (await this.latest(siteId, month))?.version ?? 0;
    if (current !== readVersion) throw new NotesVersionConflictError(current);
    try {
      await this.pool.query(
        `INSERT INTO query_report_notes (site_id, month, version, text, author_id, author_name, saved_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [siteId, month, readVersion + 1, text, author.staffId, author.name, now],
      );
    } catch (error) {
      // Another save of the same version won the race between the read above and this insert.
      if (error instanceof DatabaseError && error.code === UNIQUE_VIOLATION)
        throw new NotesVersionConflictError(readVersion + 1);
      throw error;
    }
    return { version: readVersion + 1, text, author, savedAt: now.toISOString() };
  }
}
