import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';

/**
 * Services spawned by tests must never outlive the test process, even when a test throws or
 * the vitest worker is told to exit: every tracked child is killed on process 'exit' and on
 * the usual termination signals. Children should be spawned with `detached: true` so they
 * lead their own process group and the whole group can be killed by PID.
 */

const tracked = new Map<ChildProcess, string>();
const exitCleanups = new Set<() => void>();
const forwardedSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let handlersInstalled = false;

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || hasExited(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Not a group leader (spawned without `detached`): fall back to the single process.
    try {
      process.kill(child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

function killEverythingNow(): void {
  for (const child of tracked.keys()) signalGroup(child, 'SIGKILL');
  tracked.clear();
  for (const cleanup of exitCleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the process is going away regardless.
    }
  }
  exitCleanups.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killEverythingNow();
  for (const s of forwardedSignals) process.removeListener(s, onSignal);
  // Our listener suppressed the default action; restore it unless someone else handles the signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHandlersOnce(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killEverythingNow);
  for (const s of forwardedSignals) process.on(s, onSignal);
}

/** Registers a spawned service so it is killed if this process exits before stopping it. */
export function trackChild(child: ChildProcess, name: string): void {
  installHandlersOnce();
  if (hasExited(child)) return;
  tracked.set(child, name);
  child.once('exit', () => tracked.delete(child));
}

/**
 * Registers a synchronous cleanup (e.g. removing a temporary directory) to run when this
 * process exits, after tracked children have been killed. Returns a function that unregisters it.
 */
export function registerExitCleanup(cleanup: () => void): () => void {
  installHandlersOnce();
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

/** Names of tracked children that are still running; handy in failure messages. */
export function runningChildren(): string[] {
  return [...tracked.entries()].filter(([child]) => !hasExited(child)).map(([, name]) => name);
}

/** Signals the child's process group (SIGTERM by default) and escalates to SIGKILL after the timeout. */
export async function stopChild(
  child: ChildProcess,
  opts: { signal?: NodeJS.Signals; timeoutMs?: number } = {},
): Promise<void> {
  const { signal = 'SIGTERM', timeoutMs = 5_000 } = opts;
  if (child.pid === undefined || hasExited(child)) {
    tracked.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    signalGroup(child, 'SIGKILL');
    await exited;
  }
  tracked.delete(child);
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs a short-lived command to completion (tracked like any service, so a dying test process
 * takes it along) and collects its output. Never rejects on a non-zero exit: callers decide.
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  opts: Omit<SpawnOptions, 'stdio' | 'detached'> & { input?: string } = {},
): Promise<CommandResult> {
  const { input, ...spawnOpts } = opts;
  const child = spawn(command, args, { ...spawnOpts, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  trackChild(child, command);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  // A command that exits without reading its stdin would otherwise crash us with EPIPE.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(input ?? '');
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolve(exitCode ?? 128 + (signal === null ? 0 : constants.signals[signal])));
  });
  return { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), code };
}

/** Like runCommand, but a non-zero exit is an error that carries the command's stderr. */
export async function runCommandOrThrow(
  command: string,
  args: readonly string[],
  opts: Parameters<typeof runCommand>[2] = {},
): Promise<CommandResult> {
  const result = await runCommand(command, args, opts);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result;
}
