import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * SQL lives in repositories next to their slice (`*.repository.ts`, or a store such as timer-store.ts), not in
 * controllers, handlers, services and workers: a reader finds every statement that touches a table in one place.
 */
const root = join(__dirname, '..');
const services = ['intake', 'dispatch', 'sla-timer', 'notification', 'query'];

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });

/** Comments may mention a query; only code counts. */
const withoutComments = (source: string): string =>
  source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
const runsSql = (source: string): boolean => /\.query\s*[<(]/.test(withoutComments(source));
const mayHoldSql = (file: string): boolean => /\.repository\.ts$|[-.]store\.ts$/.test(file);

describe('the services', () => {
  it('keep their SQL in repositories and stores', () => {
    const outside = services
      .flatMap((service) => sourceFiles(join(root, 'apps', service, 'src')))
      .map((file) => relative(root, file))
      .filter((file) => !mayHoldSql(file) && runsSql(readFileSync(join(root, file), 'utf8')));
    expect(outside).toEqual([]);
  });

  it('are checked by a rule that sees a query in code and not in a comment', () => {
    expect(runsSql("await this.pool.query<{ n: number }>('SELECT 1');")).toBe(true);
    expect(runsSql('await client.query(`SELECT 1`);')).toBe(true);
    expect(runsSql('// this.pool.query(...) moved to the repository')).toBe(false);
    expect(runsSql('const parsed = Schema.safeParse(request.query);')).toBe(false);
  });
});
