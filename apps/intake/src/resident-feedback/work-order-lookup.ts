import { Inject, Injectable } from '@nestjs/common';
import { isUuid } from '@closeloop/http';
import { EventTypes, NotFoundError, ValidationError, WorkOrderReferenceSchema } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';


/** Finds a work order by its id or by the number read to the resident (S1-20261123-0001). */
@Injectable()
export class WorkOrderLookup {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async resolve(reference: { workOrderId?: string | undefined; number?: string | undefined }): Promise<string> {
    if (reference.workOrderId !== undefined && isUuid(reference.workOrderId)) return reference.workOrderId;
    if (reference.number === undefined) {
      throw new ValidationError('Name the work order', [{ path: 'workOrderId', message: 'give the work order id or its number' }]);
    }
    // Anything not shaped like a number names no order; asking PostgreSQL would fail on a NUL (a 500, found by fuzzing).
    if (!WorkOrderReferenceSchema.shape.number.safeParse(reference.number).success) throw new NotFoundError('Work order', reference.number);
    const { rows } = await this.pool.query<{ work_order_id: string }>(
      "SELECT data->>'workOrderId' AS work_order_id FROM es_events WHERE event_type = $1 AND data->>'number' = $2",
      [EventTypes.WorkOrderReported, reference.number],
    );
    if (!rows[0]) throw new NotFoundError('Work order', reference.number);
    return rows[0].work_order_id;
  }

  /** A path segment is an id when it looks like one, else a number. */
  fromPath(segment: string) {
    return isUuid(segment) ? { workOrderId: segment } : { number: segment };
  }
}
