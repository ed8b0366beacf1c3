import { itAccepts, itRefuses } from '@closeloop/testing';
import {
  IdentifierSchema,
  instantProblem,
  InstantSchema,
  isStorableText,
  StaffIdSchema,
  TextSchema,
  unstorableTextIssues,
} from './input-policy';

describe('the input policy: text', () => {
  it('refuses U+0000 and unpaired surrogates, and keeps every other text, emoji and CJK included', () => {
    for (const bad of ['a\u0000b', '\u0000', 'lone \ud800', '\udfff low', '\ud83d'])
      expect(isStorableText(bad)).toBe(false);
    for (const good of ['报修：厨房水管爆裂', '😀🔥', 'e\u0301', '\u202Ertl', "'; DROP TABLE es_events; --", ''])
      expect(isStorableText(good)).toBe(true);
  });

  it('names every unstorable string by its path, property names included', () => {
    const issues = unstorableTextIssues({ to: { name: 'a\u0000' }, photoRefs: ['ok', '\ud800'], ['k\u0000']: 1 });
    expect(issues).toHaveLength(3);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'to.name', message: expect.stringContaining('U+0000') },
        { path: 'photoRefs.1', message: expect.stringContaining('U+0000') },
        { path: 'k\\u0000', message: expect.stringContaining('property names') },
      ]),
    );
    expect(unstorableTextIssues('\u0000')).toEqual([{ path: '(body)', message: expect.any(String) }]);
    expect(unstorableTextIssues({ n: 1, b: true, z: null })).toEqual([]);
  });

  it('walks a body nested far deeper than the call stack allows, and reports at most 20 issues', () => {
    let deep: unknown = 'bottom\u0000';
    for (let i = 0; i < 100_000; i++) deep = i % 2 === 0 ? [deep] : { d: deep };
    expect(unstorableTextIssues(deep)).toEqual([
      { path: expect.stringMatching(/^(0|d)\./), message: expect.any(String) },
    ]);
    expect(unstorableTextIssues(Array.from({ length: 50 }, () => '\u0000'))).toHaveLength(20);
  });

  it('TextSchema trims, bounds and refuses unstorable text', () => {
    expect(TextSchema(5).parse('  note ')).toBe('note');
    expect(TextSchema(5).safeParse('a\u0000').success).toBe(false);
    expect(TextSchema(5).safeParse('   ').success).toBe(false);
    expect(TextSchema(5).safeParse('toolong').success).toBe(false);
  });
});

describe('the input policy: identifiers', () => {
  it('takes site ids by the identifier rule', () => {
    for (const good of ['S1', 'site_7', 'a-b', 'x'.repeat(32)])
      expect(IdentifierSchema.safeParse(good).success).toBe(true);
    for (const bad of ['', ' S1', 'S1\u0000', '-S1', 'x'.repeat(33), 'S 1', 'S1/..', '站点'])
      expect(IdentifierSchema.safeParse(bad).success).toBe(false);
  });

  it('takes staff ids as identity providers issue them', () => {
    for (const good of [
      's1-wang-wei',
      'wang.wei',
      '7f3e4a52-2f0c-4c1b-9d7e-1e2f3a4b5c6d',
      'f:ldap:wang.wei',
      'wang.wei@example.com',
    ])
      expect(StaffIdSchema.safeParse(good).success).toBe(true);
    for (const bad of ['', 'a\u0000', 'a b', 'x'.repeat(65), '.hidden', 'a/b'])
      expect(StaffIdSchema.safeParse(bad).success).toBe(false);
  });
});

describe('the input policy: instants', () => {
  itAccepts('accepts %s', instantProblem, [
    '2026-01-01T00:00:00Z',
    '2026-11-23T09:00:00+08:00',
    '2026-11-23T09:00:00.123+08:00',
    '2026-11-23T09:00:00+0800',
    '2026-01-01T00:00:00+14:00',
    '2026-01-01T00:00:00-12:00',
    '2000-01-01T00:00:00Z',
    '2099-12-31T23:59:59.999Z',
  ]);

  const refused: [string, string][] = [
    ['2026-01-01T00:00:00+99:99', 'offset'],
    ['2026-01-01T00:00:00+16:00', 'offset'],
    ['2026-01-01T00:00:00-2400', 'offset'],
    ['2026-01-01T00:00:00+14:01', 'offset'],
    ['2026-01-01T00:00:00+05:60', 'offset'],
    ['0000-01-01T00:00:00Z', 'between'],
    ['9999-12-31T23:59:59Z', 'between'],
    ['1999-12-31T23:59:59Z', 'between'],
    ['2100-01-01T00:00:00Z', 'between'],
    ['2026-02-30T00:00:00Z', 'real date'],
    ['2026-13-01T00:00:00Z', 'real date'],
    ['2026-01-01T24:00:00Z', 'real date'],
    ['2026-01-01T00:00:00', 'offset, e.g.'],
    ['2026-01-01', 'ISO 8601'],
    ['yesterday', 'ISO 8601'],
    ['2026-01-01t00:00:00z', 'ISO 8601'],
  ];
  itRefuses('refuses %s (%s)', instantProblem, refused);
  it.each(refused)('InstantSchema refuses %s too', (value) =>
    expect(InstantSchema.safeParse(value).success).toBe(false),
  );
});
