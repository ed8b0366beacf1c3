import { alertIdFor } from './alert.service';

const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';

describe('alertIdFor', () => {
  // Alert ids are stream names (`alert-<id>`): an escalation redelivered after an upgrade must find the alert it
  // raised before, so these values may never change (docs/adr/0018-one-decider-kernel.md).
  it('keeps deriving the ids it derived before the one name-based id helper', () => {
    expect(alertIdFor({ workOrderId, target: 'response', level: 2, round: 0 })).toBe(
      'fe7dc3f7-2c1e-5239-91e0-9da4aba64e14',
    );
    expect(alertIdFor({ workOrderId, level: 0, round: 0 })).toBe('113c6483-2071-5686-b607-b8b06d8f1d4f');
    expect(alertIdFor({ workOrderId, target: 'resolution', level: 3, round: 1 })).toBe(
      'eefb1a50-314f-56f5-a6a8-bcae55c60d28',
    );
  });

  it('gives one id per order, target, level and round', () => {
    const ids = [
      alertIdFor({ workOrderId, target: 'response', level: 1, round: 0 }),
      alertIdFor({ workOrderId, target: 'resolution', level: 1, round: 0 }),
      alertIdFor({ workOrderId, target: 'response', level: 2, round: 0 }),
      alertIdFor({ workOrderId, target: 'response', level: 1, round: 1 }),
    ];
    expect(new Set(ids).size).toBe(4);
  });
});
