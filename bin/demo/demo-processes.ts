import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';

/**
 * The demo's child processes (postmaster, sshd, `gatehouse ui`, the app). Each is spawned as
 * the leader of its own process group so that stopping it by PID also ends whatever it forked,
 * and each is killed when this process exits without having stopped it, so a crashed or
 * interrupted demo never leaves a database or an sshd running behind it.
 */

const running = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || hasExited(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      process.kill(child.pid, signal);
    } catch {
      // Gone already.
    }
  }
}

function installExitHookOnce(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running.keys()) signalGroup(child, 'SIGKILL');
  });
}

export interface DemoChild {
  child: ChildProcess;
  name: string;
  pid: number;
  /** Resolves with the exit code (or 128 + signal) once the process is gone. */
  exited: Promise<number>;
  /** `signal` to the group, SIGKILL after `timeoutMs`; resolves when it is gone. Idempotent. */
  stop(opts?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<void>;
}

/** Spawns a long-running service; the caller must stop() it (the exit hook is only the safety net). */
export async function spawnService(name: string, command: string, args: readonly string[], opts: Omit<SpawnOptions, 'detached'> = {}): Promise<DemoChild> {
  installExitHookOnce();
  const child = spawn(command, args, { ...opts, detached: true });
  running.set(child, name);
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => {
      running.delete(child);
      reject(new Error(`${name}: cannot start ${command}: ${e.message}`, { cause: e }));
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: started without a PID`);
  let stopping: Promise<void> | undefined;
  return {
    child,
    name,
    pid,
    exited,
    stop({ signal = 'SIGTERM', timeoutMs = 10_000 } = {}) {
      stopping ??= (async () => {
        if (hasExited(child)) return;
        signalGroup(child, signal);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), timeoutMs);
        });
        if ((await Promise.race([exited, late])) === 'late') {
          signalGroup(child, 'SIGKILL');
          await exited;
        }
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

export interface CommandOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a short command to completion; a non-zero exit is the caller's to judge. */
export async function runCommand(command: string, args: readonly string[], opts: Omit<SpawnOptions, 'stdio' | 'detached'> & { input?: string } = {}): Promise<CommandOutcome> {
  const { input, ...spawnOpts } = opts;
  installExitHookOnce();
  const child = spawn(command, args, { ...spawnOpts, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  running.set(child, command);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(input ?? '');
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', (e) => {
      running.delete(child);
      reject(new Error(`cannot run ${command}: ${e.message}`, { cause: e }));
    });
    child.once('close', (exitCode, signal) => {
      running.delete(child);
      resolve(exitCode ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

export async function runCommandOrThrow(command: string, args: readonly string[], opts: Parameters<typeof runCommand>[2] = {}): Promise<CommandOutcome> {
  const outcome = await runCommand(command, args, opts);
  if (outcome.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${outcome.code}: ${outcome.stderr.trim() || outcome.stdout.trim()}`);
  return outcome;
}
