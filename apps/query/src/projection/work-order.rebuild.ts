import { RESIDENT_SECRET_MIN_LENGTH } from '@closeloop/auth';
import { ReadModelDefinition, rebuildReadModel, RebuildOptions, RebuildReport } from '@closeloop/messaging';
import { residentDigestsOf } from '../resident/link-digests';
import { insertTimelineRows, QUERY_TABLES, QueryTables } from './work-order-rows.repository';
import { isProjected, QUERY_READ_MODEL, refoldWorkOrders, ResidentDigests } from './work-order.projection';

/**
 * The query service's read models as a rebuild folds them (ADR 16): the live projection's own steps, a batch at a
 * time. The batch's events go onto the timeline as a consumer would store them, in one statement; each order the
 * batch touched is then re-folded once from its whole timeline, which gives the row the live projection's last
 * re-fold gave it, the batch's rows written a statement per table (one transaction per batch). Status
 * links' digests are computed when the rebuild knows RESIDENT_SECRET, else carried over from the live rows.
 */
export const queryReadModelWith = (digests?: ResidentDigests): ReadModelDefinition<keyof QueryTables> => ({
  name: QUERY_READ_MODEL,
  tables: QUERY_TABLES,
  async apply(client, events, tables) {
    const projected = events.flatMap(({ published }) =>
      published !== undefined && isProjected(published) ? [published] : [],
    );
    const stored = await insertTimelineRows(client, projected, tables);
    await refoldWorkOrders(client, stored, tables, digests);
    return stored.length;
  },
});

export const queryReadModel = queryReadModelWith();

/**
 * Rebuilds query_timeline and query_work_orders from the event store while the service runs (`projections rebuild
 * --service query`), with the status links' and reporters' phone digests keyed by `residentSecret` (default: RESIDENT_SECRET, as the
 * service has it); without it the rebuilt rows keep their link digests and the caller lookup finds callers by unit only.
 */
export const rebuildQueryReadModels = (
  options: RebuildOptions & { readonly residentSecret?: string },
): Promise<RebuildReport> => {
  const secret = options.residentSecret ?? process.env['RESIDENT_SECRET'];
  const digests =
    secret !== undefined && secret.length >= RESIDENT_SECRET_MIN_LENGTH ? residentDigestsOf(secret) : undefined;
  return rebuildReadModel(queryReadModelWith(digests), options);
};
