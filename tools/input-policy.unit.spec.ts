import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { unstorableRequestText } from '@closeloop/http';

/**
 * The input policy (docs/adr/0017-one-input-policy-at-the-edge.md) holds for routes nobody has written yet: text
 * is checked by an interceptor every route passes, and instants by InstantSchema, which edge code must use rather
 * than zod's bare datetime() (it lets +99:99 and the year 0000 through).
 */

const root = join(__dirname, '..');

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });

/** Where a bare datetime() is right: InstantSchema itself, and event payloads our own clock writes. */
const ALLOWED = ['libs/contracts/src/input-policy.ts', 'libs/contracts/src/events/fields.ts'];

describe('the input policy in the code', () => {
  it('parses instants from callers with InstantSchema only', () => {
    const offenders = [...sources(join(root, 'apps')), ...sources(join(root, 'libs'))]
      .map((file) => relative(root, file))
      .filter((file) => !ALLOWED.includes(file) && /\.datetime\(/.test(readFileSync(join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('finds unstorable text in path, query and body alike, named as the routes name them', () => {
    const issues = unstorableRequestText({
      params: { staffId: 's1\u0000' },
      query: { site: ['S1', 'S2\ud800'] },
      body: { to: { name: 'Li\u0000Na' }, ['k\udfff']: 'v' },
    } as never);
    expect(issues.map((i) => i.path).sort()).toEqual(['k\\udfff', 'path:staffId', 'query:site.1', 'to.name']);
    expect(issues.find((i) => i.path === 'k\\udfff')?.message).toContain('property names');
    expect(unstorableRequestText({ params: {}, query: {}, body: undefined } as never)).toEqual([]);
  });
});
