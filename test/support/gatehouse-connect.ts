import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { gatehouseBin, repoRoot } from './gatehouse-proxy.ts';
import { stopChild, trackChild } from './child-processes.ts';

export interface ConnectReadyLine {
  listening: string;
  url: string;
  connection: string;
  policyVersion: number;
}

export interface RunningConnect {
  /** The listener's URL with its per-listener secret, as printed on the ready line. */
  url: string;
  ready: ConnectReadyLine;
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The outcome of a `gatehouse connect` that never became ready (it refused to start). */
export class ConnectRefused extends Error {
  constructor(
    readonly code: number | null,
    readonly stderrText: string,
  ) {
    super(`gatehouse connect exited with ${code} before it was ready:\n${stderrText}`);
    this.name = 'ConnectRefused';
  }
}

/** A started `gatehouse connect` child, once its first stdout line (the JSON ready line) has arrived. */
export interface ReadyConnectChild<Ready> {
  ready: Ready;
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `gatehouse connect <connection> --json <args>` as its own process group (the real CLI,
 * as a user runs it) and waits for its JSON ready line. Rejects with ConnectRefused if it exits first.
 */
export async function spawnConnectUntilReady<Ready>(connection: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ReadyConnectChild<Ready>> {
  const child = spawn(process.execPath, [gatehouseBin, 'connect', connection, '--json', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackChild(child, `gatehouse connect ${connection}`);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gatehouse connect ${connection} did not become ready:\n${err}`)), timeoutMs);
    const check = (): void => {
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, nl)) as Ready);
      } catch (e) {
        reject(new Error(`gatehouse connect printed a bad ready line ${JSON.stringify(out.slice(0, nl))}: ${(e as Error).message}`));
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new ConnectRefused(code, err));
    });
  }).catch(async (e: unknown) => {
    await stopChild(child, { signal: 'SIGKILL' });
    throw e;
  });
  return { ready, child, stderr: () => err, exited, stop: (signal = 'SIGTERM') => stopChild(child, { signal, timeoutMs: 10_000 }) };
}

/** `gatehouse connect` for a PostgreSQL connection; rejects with ConnectRefused if it exits before it is ready. */
export async function startConnect(connection: string, args: string[], env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): Promise<RunningConnect> {
  const started = await spawnConnectUntilReady<ConnectReadyLine>(connection, args, env, opts.timeoutMs ?? 30_000);
  return { ...started, url: started.ready.url };
}
