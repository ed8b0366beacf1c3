import { Pool, PoolClient } from 'pg';

/** A column's name as our code spells a field: `work_order_id` → `workOrderId`. */
export const camelCaseOf = (column: string): string =>
  column.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());

/**
 * Runs a query and answers its rows with every column renamed to camelCase, so that a repository returns the
 * interface it promises without spelling each column out twice, once as a row type and again in a mapping. As with
 * pg's own `query<T>`, `T` is the caller's word for what the selected columns hold: select (or alias) the columns
 * whose camelCase names are T's fields.
 */
export const queryCamelRows = async <T>(
  db: Pool | PoolClient,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> => {
  const { rows } = await db.query<Record<string, unknown>>(sql, [...params]);
  return rows.map(
    (row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [camelCaseOf(column), value])) as T,
  );
};
