import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { trackChild, stopChild } from './child-processes.ts';

export const repoRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const gatehouseBin = join(repoRoot, 'bin', 'gatehouse.mjs');

export interface RunningProxy {
  url: string;
  listening: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the proxy wrote to stderr so far (its logs). */
  stderr(): string;
  stdout(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `gatehouse proxy pg` as its own process (the real CLI, as a user runs it) and waits
 * for its one JSON ready line.
 */
export async function startGatehouseProxy(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunningProxy> {
  const child = spawn(process.execPath, [gatehouseBin, 'proxy', 'pg', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackChild(child, 'gatehouse proxy pg');
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const ready = await new Promise<{ listening: string; url: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not become ready: ${err}`)), opts.timeoutMs ?? 30_000);
    const check = (): void => {
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(out.slice(0, nl)) as { listening: string; url: string });
        } catch (e) {
          reject(e as Error);
        }
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited with ${code}: ${err}`));
    });
  });
  return {
    ...ready,
    port: Number(ready.listening.split(':').pop()),
    pid: child.pid!,
    child,
    stderr: () => err,
    stdout: () => out,
    stop: (signal) => stopChild(child, { signal: signal ?? 'SIGTERM', timeoutMs: 5000 }),
  };
}

/** Runs the CLI to completion (for commands that must fail or print). */
export function runGatehouse(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [gatehouseBin, ...args], { cwd: repoRoot, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
