import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseBin, repoRoot } from './gatehouse-proxy.ts';
import { stopChild, trackChild } from './child-processes.ts';

export interface RunningGatehouseUi {
  /** The printed address: `http://127.0.0.1:PORT/#token=…`. */
  url: string;
  origin: string;
  token: string;
  /** `ws://127.0.0.1:PORT/bridge?token=…`, what the renderer's bridge client opens. */
  bridgeUrl: string;
  /** This user's GATEHOUSE_HOME (token store, app settings, audit spools). */
  home: string;
  pid: number;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM, SIGKILL after a timeout; then GATEHOUSE_HOME is removed unless `keepHome`. */
  stop(opts?: { keepHome?: boolean }): Promise<void>;
}

/**
 * Runs `gatehouse ui --no-open` as its own process group with a GATEHOUSE_HOME of its own (so
 * two of them are two people) and waits for its JSON ready line.
 */
export async function startGatehouseUi(name: string, opts: { env?: NodeJS.ProcessEnv; args?: string[]; home?: string; timeoutMs?: number } = {}): Promise<RunningGatehouseUi> {
  const home = opts.home ?? (await mkdtemp(join(tmpdir(), `gatehouse-ui-${name}-`)));
  const child = spawn(process.execPath, [gatehouseBin, 'ui', '--no-open', ...(opts.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info', GATEHOUSE_SERVER: '', GATEHOUSE_CLIENT_ID: '', GATEHOUSE_CLIENT_SECRET: '', ...opts.env, GATEHOUSE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackChild(child, `gatehouse ui (${name})`);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gatehouse ui did not become ready:\n${err}`)), opts.timeoutMs ?? 60_000);
    const check = (): void => {
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
      } catch (e) {
        reject(new Error(`gatehouse ui printed a bad ready line ${JSON.stringify(out.slice(0, nl))}: ${(e as Error).message}`));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gatehouse ui exited with ${code} before it was ready:\n${err}`));
    });
  }).catch(async (e: unknown) => {
    await stopChild(child, { signal: 'SIGKILL' });
    if (opts.home === undefined) await rm(home, { recursive: true, force: true });
    throw e;
  });
  const parsed = new URL(url);
  const token = new URLSearchParams(parsed.hash.slice(1)).get('token') ?? '';
  return {
    url,
    origin: parsed.origin,
    token,
    bridgeUrl: `ws://${parsed.host}/bridge?token=${encodeURIComponent(token)}`,
    home,
    pid: child.pid!,
    child,
    stderr: () => err,
    stop: async (stopOpts = {}) => {
      await stopChild(child, { timeoutMs: 10_000 });
      if (stopOpts.keepHome !== true && opts.home === undefined) await rm(home, { recursive: true, force: true });
    },
  };
}
