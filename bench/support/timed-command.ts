import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { trackChild } from '../../test/support/child-processes.ts';

export interface TimedCommandResult {
  code: number;
  seconds: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion and measures its wall-clock time. With `discardStdout` its output
 * goes straight to /dev/null, so no reader of ours competes for CPU with what is measured.
 * Tracked like any service, so an interrupted bench takes it along.
 */
export async function runTimedCommand(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; discardStdout?: boolean; timeoutMs: number },
): Promise<TimedCommandResult> {
  const started = process.hrtime.bigint();
  const child = spawn(command, args, {
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', opts.discardStdout === true ? 'ignore' : 'pipe', 'pipe'],
  });
  trackChild(child, command);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, opts.timeoutMs);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, signal) => resolve(exitCode ?? 128 + (signal === null ? 0 : constants.signals[signal])));
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { code, seconds, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
  } finally {
    clearTimeout(timer);
  }
}
