import { runTimedCommand } from '../support/timed-command.ts';

const PGBENCH_THREADS = 2;

/** pgbench prints both; the figure without connection time is the steady-state throughput. */
export function parsePgbenchTps(output: string): number {
  const match = /^tps = ([\d.]+) \(without initial connection time\)$/m.exec(output) ?? /^tps = ([\d.]+)/m.exec(output);
  if (match === null) throw new Error(`no tps in pgbench output:\n${output.trim()}`);
  return Number(match[1]);
}

function failedTransactions(output: string): number {
  const match = /^number of failed transactions: (\d+)/m.exec(output);
  return match === null ? 0 : Number(match[1]);
}

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}

/**
 * One timed pgbench run against a URL. `-n` because vacuuming is done directly beforehand:
 * it must not differ between configurations or be judged by a policy.
 */
export async function runPgbench(url: string, workloadArgs: readonly string[], seconds: number): Promise<number> {
  const args = ['-n', '-j', String(PGBENCH_THREADS), '-T', String(seconds), ...workloadArgs, url];
  const result = await runTimedCommand('pgbench', args, {
    env: { ...process.env, PGPASSWORD: undefined, PGCONNECT_TIMEOUT: '10' },
    timeoutMs: (seconds + 60) * 1000,
  });
  if (result.code !== 0) throw new Error(`pgbench exited with ${result.code}: ${lastLines(result.stderr || result.stdout)}`);
  const failures = failedTransactions(result.stdout);
  if (failures > 0) throw new Error(`pgbench reported ${failures} failed transactions: ${lastLines(result.stderr)}`);
  return parsePgbenchTps(result.stdout);
}
