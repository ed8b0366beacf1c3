import { Inject, Injectable } from '@nestjs/common';
import { inTransaction } from '@closeloop/database';
import { PG_POOL } from '@closeloop/runtime';
import { Pool, PoolClient } from 'pg';
import { AnswerContent, AnswerContentSchema, EVERY_SITE, KnowledgeBaseAnswer, SeedAnswer } from './knowledge-base';

interface AnswerRow {
  site_id: string;
  answer_id: string;
  version: number;
  content: unknown;
  updated_at: Date;
  updated_by: string;
}

export interface AnswerChange {
  readonly version: number;
  readonly action: 'seeded' | 'replaced' | 'deleted';
  readonly content: AnswerContent | null;
  readonly changedAt: Date;
  readonly changedBy: string;
}

const toAnswer = (row: AnswerRow): KnowledgeBaseAnswer => ({
  siteId: row.site_id,
  answerId: row.answer_id,
  version: row.version,
  // Written only after validation; parsed again so a hand-edited row fails loudly rather than answers oddly.
  content: AnswerContentSchema.parse(row.content),
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

/**
 * The knowledge base's answers (intake_knowledge_base_answers) and their change log
 * (intake_knowledge_base_changes): each change writes both in one transaction, the answer's version one more than
 * the last logged one, so versions keep counting across a delete and a new answer of the same id.
 */
@Injectable()
export class KnowledgeBaseRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The answers for a site: its own, and those for every site that it does not replace with its own of the same id. */
  async answersFor(siteId: string): Promise<KnowledgeBaseAnswer[]> {
    const { rows } = await this.pool.query<AnswerRow>(
      `SELECT DISTINCT ON (answer_id) site_id, answer_id, version, content, updated_at, updated_by
       FROM intake_knowledge_base_answers WHERE site_id = $1 OR site_id = $2
       ORDER BY answer_id, (site_id = $2), site_id`,
      [siteId, EVERY_SITE],
    );
    return rows.map(toAnswer);
  }

  /** The answers kept under one site key exactly (`*` for those of every site). */
  async answersOf(siteKey: string): Promise<KnowledgeBaseAnswer[]> {
    const { rows } = await this.pool.query<AnswerRow>(
      `SELECT site_id, answer_id, version, content, updated_at, updated_by
       FROM intake_knowledge_base_answers WHERE site_id = $1 ORDER BY answer_id`,
      [siteKey],
    );
    return rows.map(toAnswer);
  }

  /** The last change to a site's answers and to every site's: what an index built from them is as new as. */
  async revisionFor(siteId: string): Promise<string> {
    const { rows } = await this.pool.query<{ revision: string | null }>(
      `SELECT max(change_id)::text AS revision FROM intake_knowledge_base_changes WHERE site_id = $1 OR site_id = $2`,
      [siteId, EVERY_SITE],
    );
    return rows[0]?.revision ?? '0';
  }

  /** Creates or replaces an answer; its new version. */
  async put(siteKey: string, answerId: string, content: AnswerContent, by: string, at: Date): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      await this.lock(client, siteKey, answerId);
      const version = (await this.lastVersion(client, siteKey, answerId)) + 1;
      await client.query(
        `INSERT INTO intake_knowledge_base_answers (site_id, answer_id, version, content, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (site_id, answer_id) DO UPDATE SET version = EXCLUDED.version, content = EXCLUDED.content,
           updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
        [siteKey, answerId, version, JSON.stringify(content), at, by],
      );
      await this.log(client, siteKey, answerId, version, 'replaced', content, by, at);
      return version;
    });
  }

  /** Deletes an answer; false when there was none. */
  async delete(siteKey: string, answerId: string, by: string, at: Date): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      await this.lock(client, siteKey, answerId);
      const { rowCount } = await client.query(
        `DELETE FROM intake_knowledge_base_answers WHERE site_id = $1 AND answer_id = $2`,
        [siteKey, answerId],
      );
      if (!rowCount) return false;
      const version = (await this.lastVersion(client, siteKey, answerId)) + 1;
      await this.log(client, siteKey, answerId, version, 'deleted', null, by, at);
      return true;
    });
  }

  /** An answer's changes, oldest first. */
  async history(siteKey: string, answerId: string): Promise<AnswerChange[]> {
    const { rows } = await this.pool.query<{
      version: number;
      action: AnswerChange['action'];
      content: unknown;
      changed_at: Date;
      changed_by: string;
    }>(
      `SELECT version, action, content, changed_at, changed_by FROM intake_knowledge_base_changes
       WHERE site_id = $1 AND answer_id = $2 ORDER BY version`,
      [siteKey, answerId],
    );
    return rows.map((r) => ({
      version: r.version,
      action: r.action,
      content: r.content === null ? null : AnswerContentSchema.parse(r.content),
      changedAt: r.changed_at,
      changedBy: r.changed_by,
    }));
  }

  /**
   * Seeds the answers of config/knowledge-base.json that the knowledge base has never held: an answer an admin
   * replaced keeps the admin's words, and one an admin deleted stays deleted. Several instances starting at once
   * seed each answer once (the insert that wins logs it). The number seeded.
   */
  async seed(answers: readonly SeedAnswer[], at: Date): Promise<number> {
    let seeded = 0;
    for (const { siteId, answerId, content } of answers) {
      const inserted = await inTransaction(this.pool, async (client) => {
        const { rowCount } = await client.query(
          `INSERT INTO intake_knowledge_base_answers (site_id, answer_id, version, content, updated_at, updated_by)
           SELECT $1, $2, 1, $3, $4, 'seed'
           WHERE NOT EXISTS (SELECT 1 FROM intake_knowledge_base_changes WHERE site_id = $1 AND answer_id = $2)
           ON CONFLICT (site_id, answer_id) DO NOTHING`,
          [siteId, answerId, JSON.stringify(content), at],
        );
        if (!rowCount) return false;
        await this.log(client, siteId, answerId, 1, 'seeded', content, 'seed', at);
        return true;
      });
      if (inserted) seeded += 1;
    }
    return seeded;
  }

  /** Before anything else in a change: two admins' changes to one answer take versions one after the other. */
  private async lock(client: PoolClient, siteKey: string, answerId: string): Promise<void> {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`kb:${siteKey}:${answerId}`]);
  }

  private async lastVersion(client: PoolClient, siteKey: string, answerId: string): Promise<number> {
    const { rows } = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM intake_knowledge_base_changes WHERE site_id = $1 AND answer_id = $2`,
      [siteKey, answerId],
    );
    return rows[0]?.version ?? 0;
  }

  private async log(
    client: PoolClient,
    siteKey: string,
    answerId: string,
    version: number,
    action: AnswerChange['action'],
    content: AnswerContent | null,
    by: string,
    at: Date,
  ): Promise<void> {
    await client.query(
      `INSERT INTO intake_knowledge_base_changes (site_id, answer_id, version, action, content, changed_at, changed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [siteKey, answerId, version, action, content === null ? null : JSON.stringify(content), at, by],
    );
  }
}
