import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, ReloadingJsonFile } from './config';

const schema = z.object({ onDuty: z.array(z.string().min(1)).min(1) }).strict();

const fileWith = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'roster-')), 'roster.json');
  writeFileSync(path, content);
  return path;
};

// Edits within one second can share a modification time on some file systems; move it forward explicitly.
const edit = (path: string, content: string, secondsLater: number) => {
  writeFileSync(path, content);
  const when = new Date(Date.now() + secondsLater * 1000);
  utimesSync(path, when, when);
};

describe('a configuration file edited while the service runs', () => {
  it('refuses to start on a bad file, naming the variable', () => {
    const path = fileWith('{"onDuty": []}');
    expect(() => new ReloadingJsonFile('ROSTER_FILE', path, schema, () => undefined)).toThrow(ConfigError);
    expect(() => new ReloadingJsonFile('ROSTER_FILE', path, schema, () => undefined)).toThrow(/ROSTER_FILE/);
  });

  it('picks up a good edit without a restart', () => {
    const path = fileWith('{"onDuty": ["s1-wang-wei"]}');
    const roster = new ReloadingJsonFile('ROSTER_FILE', path, schema, () => undefined);
    expect(roster.get().onDuty).toEqual(['s1-wang-wei']);
    edit(path, '{"onDuty": ["s1-li-na", "s1-wu-gang"]}', 5);
    expect(roster.get().onDuty).toEqual(['s1-li-na', 's1-wu-gang']);
  });

  it('keeps the last good version when an edit is broken, and says why', () => {
    const path = fileWith('{"onDuty": ["s1-wang-wei"]}');
    const problems: string[] = [];
    const roster = new ReloadingJsonFile('ROSTER_FILE', path, schema, (problem) => problems.push(problem));
    edit(path, '{"onDuty": ["s1-li-na",', 5);
    expect(roster.get().onDuty).toEqual(['s1-wang-wei']);
    expect(problems[0]).toMatch(/ROSTER_FILE.*keeping the last good version/);
    edit(path, '{"onDuty": ["s1-li-na"]}', 10);
    expect(roster.get().onDuty).toEqual(['s1-li-na']);
  });
});
