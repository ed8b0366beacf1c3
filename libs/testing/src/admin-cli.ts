import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from './infrastructure';

export interface AdminRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The admin tool as an operator runs it: a separate Node process over the built code, on the given database. */
export const runAdminCli = (databaseUrl: string, ...args: string[]): Promise<AdminRun> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repositoryRoot, 'tools', 'admin', 'closeloop-admin.js'), ...args],
      { cwd: repositoryRoot, env: { ...process.env, DATABASE_URL: databaseUrl }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

/** The JSON a successful `--json` run printed; fails with its stderr otherwise. */
export const adminJson = <T>(run: AdminRun): T => {
  if (run.code !== 0) throw new Error(`the admin tool exited with ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
};
