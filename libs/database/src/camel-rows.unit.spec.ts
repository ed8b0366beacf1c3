import { camelCaseOf } from './camel-rows';

describe('camelCaseOf', () => {
  it('names each column as our code spells the field, and leaves a one-word column as it is', () => {
    const columns = ['work_order_id', 'processing_failures', 'level_2_at', 'round'];
    expect(columns.map(camelCaseOf)).toEqual(['workOrderId', 'processingFailures', 'level2At', 'round']);
  });
});
