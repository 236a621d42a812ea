import { runPsql } from '../../test/support/psql.ts';
import { runTimedCommand } from '../support/timed-command.ts';

const STREAM_TIMEOUT_MS = 300_000;

function quietArgs(workloadArgs: readonly string[]): string[] {
  return ['-q', '-v', 'ON_ERROR_STOP=1', ...workloadArgs];
}

/**
 * Untimed: how many bytes psql prints for this workload through this configuration. Measured
 * once, so the timed runs can write to /dev/null with no reader of ours taking CPU.
 */
export async function countStreamBytes(url: string, workloadArgs: readonly string[]): Promise<number> {
  const result = await runPsql(url, quietArgs(workloadArgs), { keepStdout: false, timeoutMs: STREAM_TIMEOUT_MS });
  if (result.code !== 0) throw new Error(`psql exited with ${result.code}: ${result.stderr.trim()}`);
  return result.stdoutBytes;
}

/** One timed psql run with its output discarded; returns the elapsed seconds. */
export async function timeStream(url: string, workloadArgs: readonly string[]): Promise<number> {
  const result = await runTimedCommand('psql', ['-X', '-d', url, ...quietArgs(workloadArgs)], {
    env: { ...process.env, PGPASSWORD: undefined, PGCONNECT_TIMEOUT: '10' },
    discardStdout: true,
    timeoutMs: STREAM_TIMEOUT_MS,
  });
  if (result.code !== 0) throw new Error(`psql exited with ${result.code}: ${result.stderr.trim()}`);
  return result.seconds;
}
