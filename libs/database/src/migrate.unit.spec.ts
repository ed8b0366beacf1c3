import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formerMigrationNames, migrationFiles, migrationsDirectory } from './migrate';

describe('migration files', () => {
  it('each have a number of their own', () => {
    const numbers = migrationFiles(migrationsDirectory).map((file) => file.slice(0, 4));
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('are refused when two share a number, naming both', () => {
    const directory = mkdtempSync(join(tmpdir(), 'migrations-'));
    for (const file of ['0001_first.sql', '0002_second.sql', '0002_also_second.sql'])
      writeFileSync(join(directory, file), 'SELECT 1;');
    expect(() => migrationFiles(directory)).toThrow(
      'migrations 0002_also_second.sql and 0002_second.sql share the number 0002',
    );
  });

  it('renamed after release are still in the folder under their new names', () => {
    const files = migrationFiles(migrationsDirectory);
    for (const [current, former] of Object.entries(formerMigrationNames)) {
      expect(files).toContain(current);
      expect(files).not.toContain(former);
    }
  });
});
