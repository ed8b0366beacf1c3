import { slaBandAt } from './sla-bands';

describe('slaBandAt', () => {
  const start = 0;
  const due = 1000;
  it.each([
    [0, 'under-50'],
    [499, 'under-50'],
    [500, '50-75'],
    [749, '50-75'],
    [750, '75-90'],
    [899, '75-90'],
    [900, '90+'],
    [999, '90+'],
    [1000, 'breached'],
    [5000, 'breached'],
  ])('at %i ms of a 1000 ms target is %s', (now, band) => {
    expect(slaBandAt(start, due, now)).toBe(band);
  });

  it('is breached when the service says so, even before the deadline (a breach it recorded)', () => {
    expect(slaBandAt(start, due, 100, true)).toBe('breached');
  });
});
