import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { stopChild, trackChild } from '../../test/support/child-processes.ts';
import { repoRoot } from '../../test/support/gatehouse-proxy.ts';
import { isRecordingEndedLine } from './bench-proxy-protocol.ts';
import type { BenchProxyConfig, ProxyReadyLine, RecordingEndedLine } from './bench-proxy-protocol.ts';

const ENTRY = join(repoRoot, 'bench', 'ssh', 'bench-proxy-main.ts');
const READY_TIMEOUT_MS = 60_000;

export interface BenchProxyProcess {
  port: number;
  pid: number;
  hostKeyPublic: string;
  /** How many recordings have ended so far; take it before a run to wait for that run's. */
  endedCount(): number;
  /** Waits until `total` recordings have ended in all; answers those from index `from` on. */
  recordingsEnded(from: number, total: number, timeoutMs: number): Promise<RecordingEndedLine[]>;
  stderr(): string;
  /** SIGTERM (the proxy closes its sessions and spools), SIGKILL after a while. */
  stop(): Promise<void>;
}

/**
 * Starts bench-proxy-main.ts as its own process group (so it is measured apart from the bench
 * and stopped by PID) and waits for its ready line. `cpuProfileDir` runs it under
 * `node --cpu-prof`, which writes a .cpuprofile there when it exits.
 */
export async function startBenchProxy(config: BenchProxyConfig, opts: { token: string | null; cpuProfileDir: string | null }): Promise<BenchProxyProcess> {
  const nodeArgs = ['--import', 'tsx', ...(opts.cpuProfileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`])];
  const child = spawn(process.execPath, [...nodeArgs, ENTRY], {
    cwd: repoRoot,
    env: { ...process.env, GATEHOUSE_BENCH_PROXY: JSON.stringify(config), GATEHOUSE_BENCH_TOKEN: opts.token ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackChild(child, `bench ssh proxy (recording ${config.recording})`);
  let err = '';
  let pending = '';
  const ended: RecordingEndedLine[] = [];
  const endWaiters = new Set<() => void>();
  let ready: ((line: ProxyReadyLine) => void) | undefined;
  const readyLine = new Promise<ProxyReadyLine>((resolve) => (ready = resolve));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    // Logs are kept for failure messages only; the tail is what explains a failure.
    err = (err + text).slice(-64 * 1024);
  });
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    pending += text;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = JSON.parse(pending.slice(0, nl)) as unknown;
      pending = pending.slice(nl + 1);
      if (isRecordingEndedLine(line)) {
        ended.push(line);
        for (const wake of endWaiters) wake();
      } else ready?.(line as ProxyReadyLine);
    }
  });
  const exited = new Promise<never>((_resolve, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`the bench proxy exited (${code ?? signal}):\n${err}`))),
  );
  exited.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the bench proxy was not ready within ${READY_TIMEOUT_MS} ms:\n${err}`)), READY_TIMEOUT_MS);
  });
  let line: ProxyReadyLine;
  try {
    line = await Promise.race([readyLine, exited, timeout]);
  } catch (error) {
    await stopChild(child, { signal: 'SIGKILL' });
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    port: line.port,
    pid: line.pid,
    hostKeyPublic: line.hostKeyPublic,
    endedCount: () => ended.length,
    recordingsEnded: async (from, total, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (ended.length < total) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${ended.length - from} of ${total - from} recordings ended within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            clearTimeout(wait);
            endWaiters.delete(wake);
            resolve();
          };
          const wait = setTimeout(wake, left);
          endWaiters.add(wake);
        });
      }
      return ended.slice(from, total);
    },
    stderr: () => err,
    // --cpu-prof writes its profile on a normal exit; give it time.
    stop: () => stopChild(child, { timeoutMs: 20_000 }),
  };
}
