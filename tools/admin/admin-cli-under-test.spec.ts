import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '@closeloop/testing';

const cli = join(repositoryRoot, 'tools', 'admin', 'closeloop-admin.js');

/** What one run of the CLI left: its exit code and what it printed. */
export interface AdminRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The CLI as an operator runs it: a separate Node process over the built libraries, on the database at
 * `databaseUrl`. Resolves whatever the exit code, so a spec can assert a refusal as well as a success.
 */
export const runAdmin = (databaseUrl: string, ...args: string[]): Promise<AdminRun> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd: repositoryRoot, env: { ...process.env, DATABASE_URL: databaseUrl } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
