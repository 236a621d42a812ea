import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { trackChild } from './child-processes.ts';

export interface StreamingPsql {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr, as soon as it has streamed in; rejects after `ms`. */
  waitForStderr(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves once psql has exited. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * Starts the real psql running `sql` (one -c) and lets the test watch its stderr while it
 * runs: a statement held for approval announces itself with a NOTICE long before it ends.
 */
export function startPsql(url: string, sql: string, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; args?: string[] } = {}): StreamingPsql {
  const child = spawn('psql', ['-X', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', ...(opts.args ?? []), '-d', url, '-c', sql], {
    env: { ...process.env, PGPASSWORD: undefined, PGCONNECT_TIMEOUT: '10', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child, 'psql');
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const wake of waiters) wake();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      for (const wake of waiters) wake();
      resolve({ code, stdout: out, stderr: err });
    });
  });
  let closed = false;
  void done.then(() => (closed = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitForStderr: (pattern, ms = 15_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = err.match(pattern);
          if (match !== null) {
            finish();
            resolve(match);
          } else if (closed || child.exitCode !== null) {
            finish();
            reject(new Error(`psql ended without printing ${String(pattern)} on stderr; stderr: ${err}; stdout: ${out}`));
          }
        };
        const finish = (): void => {
          clearTimeout(deadline);
          waiters.delete(check);
        };
        const deadline = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${String(pattern)} on psql's stderr within ${ms} ms; stderr so far: ${err}`));
        }, ms);
        waiters.add(check);
        check();
      }),
  };
}
