import { CloudEvent } from '@closeloop/contracts';
import { inTransaction } from '@closeloop/database';
import { EventStore, RecordedEvent } from '@closeloop/event-store';
import { Pool, PoolClient } from 'pg';
import { parseCloudEvent } from './event-consumer';
import { toPublishedEvent } from './published-event';

/**
 * Rebuilding a service's read models from the event store while the service runs (ADR 16): every event is folded,
 * by the live projection's own code, into new tables (`<table>__rebuild`, the same columns, constraints and
 * indexes); passes over the store's log catch up with what was appended meanwhile; then, in one transaction under
 * the read model's swap lock, a last pass folds what is left and the new tables take the old ones' names.
 *
 * The live projection takes the same lock, shared, as the first statement of every transaction that writes its
 * tables. The swap holds it exclusively, so while it runs no live write is in flight and none starts; a live write
 * that waited for it resolves the table names afresh once the swap commits and lands in the new tables.
 */

/** The advisory lock space of read-model locks (two-key form), apart from the appenders', the alerts' and the places'. */
const READ_MODEL_LOCK_SPACE = 1_382_180_452;
/** Taken for a whole rebuild, so two rebuilds of one read model never drop each other's tables. */
const REBUILD_RUN_LOCK_SPACE = 1_382_180_453;

const REBUILD_SUFFIX = '__rebuild';

/** The first statement of a live projection's transaction: a swap waits for it, and it waits for a swap. */
export const lockReadModelShared = async (client: PoolClient, readModel: string): Promise<void> => {
  await client.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [READ_MODEL_LOCK_SPACE, readModel]);
};

/** The swap's side of that lock: taken in the swap transaction, it waits for live writes in flight and holds off new ones. */
export const lockReadModelExclusive = async (client: PoolClient, readModel: string): Promise<void> => {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [READ_MODEL_LOCK_SPACE, readModel]);
};

export type TableNames<K extends string> = Readonly<Record<K, string>>;

export interface ReadModelDefinition<K extends string> {
  /** Names the lock the live projection shares with the swap (`query`, `notification`). */
  readonly name: string;
  /** The live tables by role, in the order the live projection first writes them (the order the swap locks them). */
  readonly tables: TableNames<K>;
  /**
   * Folds events, in the store's commit order, into the given tables inside the caller's transaction; returns how
   * many it applied (the rest are not this read model's). Must be idempotent by event id, as the live fold is.
   */
  apply(client: PoolClient, events: readonly StoredEvent[], tables: TableNames<K>): Promise<number>;
  /**
   * Runs under the swap lock after the last pass: brings into the new tables anything the live projection wrote
   * that the last pass could not see yet (a read model written from the service's own appends, not from Kafka).
   */
  reconcile?(client: PoolClient, live: TableNames<K>, rebuilt: TableNames<K>): Promise<number>;
}

/** A stored event with the CloudEvent the relay publishes for it, exactly as a consumer parses it off Kafka. */
export interface StoredEvent {
  readonly recorded: RecordedEvent;
  /** Undefined for an event the relay could not publish (its metadata is not valid): no consumer has seen it. */
  readonly published: CloudEvent | undefined;
}

export interface RebuildOptions {
  readonly pool: Pool;
  readonly store: EventStore;
  /** Leave the rebuilt tables beside the live ones (for inspection) instead of swapping them in. */
  readonly swap: boolean;
  readonly batchSize?: number;
  /** A pass that folds no more than this many events is followed by the swap. */
  readonly swapWhenBehindBy?: number;
  readonly log?: (message: string) => void;
}

export interface RebuildReport {
  readonly readModel: string;
  readonly events: number;
  readonly applied: number;
  readonly unpublishable: number;
  readonly passes: number;
  readonly reconciled: number;
  readonly rows: Readonly<Record<string, number>>;
  readonly swapped: boolean;
  /** How long the live projection waited: the swap transaction's time under the exclusive lock. */
  readonly swapMillis: number;
  readonly totalMillis: number;
}

const MAX_CATCH_UP_PASSES = 20;
const SWAP_LOCK_TIMEOUT_SECONDS = 5;

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

const storedEvent = (recorded: RecordedEvent): StoredEvent => {
  let event: CloudEvent | undefined;
  try {
    const parsed = parseCloudEvent(Buffer.from(JSON.stringify(toPublishedEvent(recorded))));
    event = parsed.ok ? parsed.event : undefined;
  } catch {
    event = undefined;
  }
  return { recorded, published: event };
};

const rebuildTableName = (table: string): string => `${table}${REBUILD_SUFFIX}`;

export const rebuildReadModel = async <K extends string>(
  definition: ReadModelDefinition<K>,
  options: RebuildOptions,
): Promise<RebuildReport> => {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const batchSize = options.batchSize ?? 1_000;
  const swapWhenBehindBy = options.swapWhenBehindBy ?? 200;
  const live = definition.tables;
  const rebuilt = Object.fromEntries(
    Object.entries(live).map(([role, table]) => [role, rebuildTableName(table as string)]),
  ) as TableNames<K>;
  const tables = Object.keys(live) as K[];

  const runLock = await options.pool.connect();
  try {
    const { rows } = await runLock.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS got', [
      REBUILD_RUN_LOCK_SPACE,
      definition.name,
    ]);
    if (!rows[0]?.got) throw new Error(`a rebuild of ${definition.name} is already running`);

    for (const role of tables) await createLike(options.pool, live[role], rebuilt[role]);
    log(`${definition.name}: created ${tables.map((r) => rebuilt[r]).join(', ')}`);

    let checkpoint: string | undefined;
    let events = 0;
    let applied = 0;
    let unpublishable = 0;
    /** Folds every event after the checkpoint that the store can hand out in commit order; returns how many. */
    const pass = async (client: PoolClient | undefined): Promise<number> => {
      let folded = 0;
      for (;;) {
        const batch = await options.store.readAll(checkpoint, batchSize);
        if (batch.length === 0) return folded;
        const stored = batch.map(storedEvent);
        unpublishable += stored.filter((e) => e.published === undefined).length;
        applied += client
          ? await definition.apply(client, stored, rebuilt)
          : await inTransaction(options.pool, (c) => definition.apply(c, stored, rebuilt));
        checkpoint = batch[batch.length - 1]?.checkpoint;
        events += batch.length;
        folded += batch.length;
      }
    };

    let passes = 0;
    for (;;) {
      const folded = await pass(undefined);
      passes += 1;
      log(`${definition.name}: pass ${passes} folded ${folded} events (${events} in all)`);
      if (folded <= swapWhenBehindBy || passes >= MAX_CATCH_UP_PASSES) break;
    }
    for (const role of tables) await options.pool.query(`ANALYZE ${quote(rebuilt[role])}`);

    let reconciled = 0;
    let swapMillis = 0;
    if (options.swap) {
      const client = await options.pool.connect();
      const swapStarted = Date.now();
      try {
        await client.query('BEGIN');
        // Waiting for a lock stalls whatever queues behind the swap (the projection, the readers): bounded, so a long
        // transaction on a live table costs a failed swap, not a stalled service.
        await client.query(`SET LOCAL lock_timeout = '${SWAP_LOCK_TIMEOUT_SECONDS}s'`);
        await lockReadModelExclusive(client, definition.name);
        const locked = Date.now();
        // Every live write that got in before the lock has committed, and every event it applied was published by
        // the relay, so read by the store below the horizon this last pass reads to (ADR 16).
        const last = await pass(client);
        passes += 1;
        reconciled = definition.reconcile ? await definition.reconcile(client, live, rebuilt) : 0;
        const folded = Date.now();
        await swapTables(
          client,
          tables.map((role) => [live[role], rebuilt[role]] as const),
        );
        const renamed = Date.now();
        await client.query('COMMIT');
        log(
          `${definition.name}: swap waited ${locked - swapStarted} ms for the lock, folded ${last} events and reconciled ${reconciled} rows in ` +
            `${folded - locked} ms, renamed in ${renamed - folded} ms, committed in ${Date.now() - renamed} ms`,
        );
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if ((error as { code?: string }).code === '55P03') {
          throw new Error(
            `${definition.name}: the swap could not take its locks within ${SWAP_LOCK_TIMEOUT_SECONDS} s (a long transaction on ${tables.map((r) => live[r]).join(' or ')}?); the live tables are unchanged, run it again`,
          );
        }
        throw error;
      } finally {
        client.release();
      }
      swapMillis = Date.now() - swapStarted;
      log(`${definition.name}: swapped in after ${passes} passes; the live projection waited ${swapMillis} ms`);
    }

    const counted: Record<string, number> = {};
    for (const role of tables) {
      const table = options.swap ? live[role] : rebuilt[role];
      const { rows: count } = await options.pool.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${quote(table)}`,
      );
      counted[table] = Number(count[0]?.n ?? 0);
    }
    return {
      readModel: definition.name,
      events,
      applied,
      unpublishable,
      passes,
      reconciled,
      rows: counted,
      swapped: options.swap,
      swapMillis,
      totalMillis: Date.now() - started,
    };
  } finally {
    await runLock
      .query('SELECT pg_advisory_unlock($1, hashtext($2))', [REBUILD_RUN_LOCK_SPACE, definition.name])
      .catch(() => undefined);
    runLock.release();
  }
};

interface IndexRow {
  index_name: string;
  definition: string;
  constraint_name: string | null;
  constraint_type: string | null;
}

const indexesOf = async (db: Pool | PoolClient, table: string): Promise<IndexRow[]> => {
  const { rows } = await db.query<IndexRow>(
    `SELECT ic.relname AS index_name, pg_get_indexdef(i.indexrelid) AS definition, c.conname AS constraint_name, c.contype::text AS constraint_type
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
      WHERE i.indrelid = $1::regclass
      ORDER BY ic.relname`,
    [table],
  );
  return rows;
};

/** A table's columns and its indexes' definitions, with the names a rebuild gives its copies made alike. */
const shapeOf = async (client: PoolClient, table: string): Promise<unknown> => {
  const { rows: columns } = await client.query(
    `SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default_value
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attname`,
    [table],
  );
  const indexes = (await indexesOf(client, table)).map((index) => ({
    name: (index.constraint_name ?? index.index_name).replace(new RegExp(`${REBUILD_SUFFIX}$`), ''),
    definition: INDEX_DEFINITION.exec(index.definition)?.slice(1),
    constraint: index.constraint_type,
  }));
  return { columns, indexes: indexes.sort((a, b) => a.name.localeCompare(b.name)) };
};

const INDEX_DEFINITION = /^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING [\s\S]*)$/;

/**
 * A new, empty table with the live one's columns, defaults (a serial column keeps drawing from the same sequence),
 * checks and indexes; each index and key constraint named as the live one with the rebuild suffix, so the swap can
 * give them back their names. Left over from an interrupted rebuild, it is dropped first.
 */
const createLike = async (pool: Pool, table: string, target: string): Promise<void> => {
  await pool.query(`DROP TABLE IF EXISTS ${quote(target)}`);
  await pool.query(`CREATE TABLE ${quote(target)} (LIKE ${quote(table)} INCLUDING ALL EXCLUDING INDEXES)`);
  for (const index of await indexesOf(pool, table)) {
    const match = INDEX_DEFINITION.exec(index.definition);
    if (!match) throw new Error(`cannot copy index ${index.index_name} of ${table}: ${index.definition}`);
    const name = `${index.constraint_name ?? index.index_name}${REBUILD_SUFFIX}`;
    await pool.query(`CREATE ${match[1] ?? ''}INDEX ${quote(name)} ON ${quote(target)} ${match[2]}`);
    if (index.constraint_type === 'p' || index.constraint_type === 'u') {
      const kind = index.constraint_type === 'p' ? 'PRIMARY KEY' : 'UNIQUE';
      await pool.query(`ALTER TABLE ${quote(target)} ADD CONSTRAINT ${quote(name)} ${kind} USING INDEX ${quote(name)}`);
    } else if (index.constraint_type !== null) {
      throw new Error(`cannot copy constraint ${index.constraint_name} of ${table} (type ${index.constraint_type})`);
    }
  }
};

/**
 * Inside the swap transaction: the old tables go, the new ones take their names (and their indexes' and keys'
 * names); sequences the old tables owned pass to the new ones, and foreign keys that pointed at an old table are
 * made again against the new one (and checked: a row referring to something the rebuild lacks stops the swap).
 */
const swapTables = async (client: PoolClient, pairs: readonly (readonly [string, string])[]): Promise<void> => {
  // Tables whose foreign keys point at a swapped one are locked first: a one-statement write to them (a delivery
  // queued for an alert) takes its own table and then checks the key in ours, so taking them the other way round
  // could deadlock with it.
  const { rows: referencing } = await client.query<{ table: string }>(
    `SELECT DISTINCT conrelid::regclass::text AS table FROM pg_constraint
      WHERE contype = 'f' AND confrelid = ANY($1::regclass[]) AND NOT conrelid = ANY($1::regclass[])`,
    [pairs.map(([table]) => table)],
  );
  for (const { table } of referencing) await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  await client.query(`LOCK TABLE ${pairs.map(([table]) => quote(table)).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  // A migration that ran meanwhile (a release deployed during the rebuild) changed the live table: the copy made
  // before it would drop its new columns or indexes.
  for (const [table, rebuilt] of pairs) {
    const [liveShape, rebuiltShape] = [await shapeOf(client, table), await shapeOf(client, rebuilt)];
    if (JSON.stringify(liveShape) !== JSON.stringify(rebuiltShape)) {
      throw new Error(
        `${table} changed while it was rebuilt (a migration?): its columns or indexes differ from ${rebuilt}; the live tables are unchanged, run it again`,
      );
    }
  }
  const foreignKeys: { table: string; name: string; definition: string }[] = [];
  for (const [table, rebuilt] of pairs) {
    const { rows: sequences } = await client.query<{ sequence: string; column: string }>(
      `SELECT s.relname AS sequence, a.attname AS column
         FROM pg_depend d
         JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.refobjid = $1::regclass AND d.deptype = 'a'`,
      [table],
    );
    for (const { sequence, column } of sequences)
      await client.query(`ALTER SEQUENCE ${quote(sequence)} OWNED BY ${quote(rebuilt)}.${quote(column)}`);
    const { rows: references } = await client.query<{ table: string; name: string; definition: string }>(
      `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE confrelid = $1::regclass AND contype = 'f'`,
      [table],
    );
    for (const reference of references) {
      await client.query(`ALTER TABLE ${reference.table} DROP CONSTRAINT ${quote(reference.name)}`);
      foreignKeys.push(reference);
    }
    const indexes = await indexesOf(client, rebuilt);
    await client.query(`DROP TABLE ${quote(table)}`);
    await client.query(`ALTER TABLE ${quote(rebuilt)} RENAME TO ${quote(table)}`);
    for (const index of indexes) {
      const original = index.index_name.slice(0, -REBUILD_SUFFIX.length);
      if (index.constraint_name)
        await client.query(
          `ALTER TABLE ${quote(table)} RENAME CONSTRAINT ${quote(index.constraint_name)} TO ${quote(original)}`,
        );
      else await client.query(`ALTER INDEX ${quote(index.index_name)} RENAME TO ${quote(original)}`);
    }
  }
  // Made after every rename, so a definition naming a swapped table (by its unchanged name) points at the new one.
  for (const key of foreignKeys)
    await client.query(`ALTER TABLE ${key.table} ADD CONSTRAINT ${quote(key.name)} ${key.definition}`);
};
