import { Injectable } from '@nestjs/common';
import { isUuid } from '@closeloop/http';
import { NotFoundError, ValidationError, WorkOrderReferenceSchema } from '@closeloop/contracts';
import { WorkOrderNumbersRepository } from './work-order-numbers.repository';

/** Finds a work order by its id or by the number read to the resident (S1-20261123-0001). */
@Injectable()
export class WorkOrderLookup {
  constructor(private readonly numbers: WorkOrderNumbersRepository) {}

  async resolve(reference: { workOrderId?: string | undefined; number?: string | undefined }): Promise<string> {
    if (reference.workOrderId !== undefined && isUuid(reference.workOrderId)) return reference.workOrderId;
    if (reference.number === undefined) {
      throw new ValidationError('Name the work order', [
        { path: 'workOrderId', message: 'give the work order id or its number' },
      ]);
    }
    // Anything not shaped like a number names no order; asking PostgreSQL would fail on a NUL (a 500, found by fuzzing).
    if (!WorkOrderReferenceSchema.shape.number.safeParse(reference.number).success)
      throw new NotFoundError('Work order', reference.number);
    const workOrderId = await this.numbers.idOf(reference.number);
    if (!workOrderId) throw new NotFoundError('Work order', reference.number);
    return workOrderId;
  }

  /** A path segment is an id when it looks like one, else a number. */
  fromPath(segment: string) {
    return isUuid(segment) ? { workOrderId: segment } : { number: segment };
  }
}
