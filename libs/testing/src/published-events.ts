import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@closeloop/contracts';

/**
 * A work-order event as workorders.events carries it to a consumer, for specs that hand it to a projection directly:
 * an id of its own, keyed by its order, with the sequence the spec numbers it by (a consumer orders by it).
 */
export const publishedWorkOrderEvent = (
  workOrderId: string,
  event: { readonly type: string; readonly data: unknown },
  sequence: number,
  time: string = new Date().toISOString(),
): CloudEvent => ({
  specversion: '1.0',
  id: randomUUID(),
  source: 'test',
  type: event.type,
  time,
  data: event.data,
  workorderid: workOrderId,
  sequence: String(sequence),
});
