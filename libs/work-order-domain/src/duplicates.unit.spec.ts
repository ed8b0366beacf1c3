import {
  descriptionTokens,
  DuplicateRule,
  findDuplicate,
  OpenOrderCandidate,
  ReportForMatching,
  similarity,
} from './duplicates';

const rule: DuplicateRule = { windowSeconds: 24 * 3600, minSimilarity: 0.3 };
const nine = new Date('2026-11-23T09:00:00+08:00');
const minutesLater = (minutes: number) => new Date(nine.getTime() + minutes * 60_000);

const firstReport: OpenOrderCandidate = {
  workOrderId: 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80',
  number: 'S1-20261123-0001',
  siteId: 'S1',
  building: 'B3',
  unit: '1202',
  category: 'plumbing',
  description: 'Water leaking from the ceiling of the bathroom onto the floor',
  reportedAt: nine,
};

const secondReport = (overrides: Partial<ReportForMatching> = {}): ReportForMatching => ({
  siteId: 'S1',
  building: 'B3',
  unit: '1202',
  category: 'plumbing',
  description: 'Leaking water from our bathroom ceiling again',
  reportedAt: minutesLater(40),
  ...overrides,
});

describe('description similarity', () => {
  it('compares words, ignoring case and filler words', () => {
    expect([...descriptionTokens('The LIFT is stuck on floor 12')].sort()).toEqual(['12', 'floor', 'lift', 'stuck']);
    expect(similarity('Water leaking from the ceiling', 'water LEAKING from ceiling')).toBe(1);
  });

  it('compares Chinese text by character pairs', () => {
    expect(similarity('卫生间天花板漏水', '卫生间天花板又漏水了')).toBeGreaterThan(0.5);
    expect(similarity('卫生间天花板漏水', '楼道灯不亮')).toBe(0);
  });

  it('is zero when a description has nothing to compare', () => {
    expect(similarity('', 'water leak')).toBe(0);
  });
});

describe('finding the open order a new report duplicates', () => {
  it('links a second report of the same leak in the same flat, explaining why', () => {
    const verdict = findDuplicate(rule, secondReport(), [firstReport]);
    expect(verdict).toMatchObject({ workOrderId: firstReport.workOrderId, number: 'S1-20261123-0001' });
    expect(verdict?.similarity).toBeGreaterThanOrEqual(0.3);
    expect(verdict?.reason).toMatch(
      /same site S1, building B3, unit 1202 and category "plumbing", reported 40 min after S1-20261123-0001/,
    );
  });

  it('links a neighbour reporting from another unit only when one of them names no unit', () => {
    expect(findDuplicate(rule, secondReport({ unit: '1102' }), [firstReport])).toBeUndefined();
    expect(findDuplicate(rule, secondReport({ unit: undefined }), [firstReport])).toBeDefined();
  });

  it.each([
    ['another site', { siteId: 'S2' }],
    ['another building', { building: 'B4' }],
    ['no building named', { building: undefined }],
    ['another category', { category: 'electrical' }],
    ['a different problem', { description: 'Corridor light out on the twelfth floor' }],
    ['after the window', { reportedAt: minutesLater(24 * 60 + 1) }],
  ])('does not link %s', (_case, overrides) => {
    expect(findDuplicate(rule, secondReport(overrides as Partial<ReportForMatching>), [firstReport])).toBeUndefined();
  });

  it('picks the most alike of several open orders', () => {
    const closer: OpenOrderCandidate = {
      ...firstReport,
      workOrderId: '0b7a1c52-3c5e-4f8e-9a55-2b1d7e3f4a60',
      number: 'S1-20261123-0002',
      description: 'Leaking water from the bathroom ceiling',
    };
    expect(findDuplicate(rule, secondReport(), [firstReport, closer])?.number).toBe('S1-20261123-0002');
  });
});
