import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';

export interface PsqlResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** SHA-256 of stdout, computed while streaming so huge outputs need not be kept. */
  stdoutSha256: string;
  stdoutBytes: number;
}

/**
 * Runs the real psql against a URL. `keepStdout: false` hashes the output without keeping it,
 * for million-row comparisons.
 */
export function runPsql(
  url: string,
  args: string[],
  opts: { input?: string | Buffer; keepStdout?: boolean; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<PsqlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-X', '--no-psqlrc', '-d', url, ...args], {
      env: { ...process.env, PGPASSWORD: undefined, PGCONNECT_TIMEOUT: '10', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const hash = createHash('sha256');
    let stdout = '';
    let stderr = '';
    let bytes = 0;
    const keep = opts.keepStdout ?? true;
    child.stdout.on('data', (d: Buffer) => {
      hash.update(d);
      bytes += d.length;
      if (keep) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, stdoutSha256: hash.digest('hex'), stdoutBytes: bytes });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs any PostgreSQL client binary (pgbench, pg_dump) to completion. */
export function runClientTool(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, PGPASSWORD: undefined, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
