import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { gatehouseBin, repoRoot } from './gatehouse-proxy.ts';
import { stopChild, trackChild } from './child-processes.ts';

export interface ServerReadyLine {
  server: string;
  devIdp?: { issuer: string; clientId: string; machineClient: { clientId: string; clientSecret: string } };
}

export interface RunningServerProcess {
  /** The server's base URL from its ready line, e.g. http://127.0.0.1:41234. */
  url: string;
  /** The whole ready line (with the dev IdP's issuer and machine client under --dev-idp). */
  ready: ServerReadyLine;
  pid: number;
  child: ChildProcess;
  /** Everything the server logged on stderr so far. */
  stderr(): string;
  /** SIGTERM (graceful), SIGKILL after the timeout; resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `gatehouse server <args>` as its own process group (the real CLI, as an operator runs
 * it) and waits for its JSON ready line on stdout. Rejects with the server's stderr if it
 * exits first or does not become ready in time.
 */
export async function startServerProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  opts: { timeoutMs?: number } = {},
): Promise<RunningServerProcess> {
  const child = spawn(process.execPath, [gatehouseBin, 'server', ...args], {
    cwd: repoRoot,
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackChild(child, `gatehouse server ${args.join(' ')}`);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<ServerReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gatehouse server did not become ready:\n${err}`)), opts.timeoutMs ?? 60_000);
    const check = (): void => {
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, nl)) as ServerReadyLine);
      } catch (e) {
        reject(new Error(`gatehouse server printed a bad ready line ${JSON.stringify(out.slice(0, nl))}: ${(e as Error).message}`));
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gatehouse server exited with ${code} before it was ready:\n${err}`));
    });
  }).catch(async (e: unknown) => {
    await stopChild(child, { signal: 'SIGKILL' });
    throw e;
  });
  return {
    url: ready.server,
    ready,
    pid: child.pid!,
    child,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      await stopChild(child, { signal, timeoutMs: 15_000 });
      return exited;
    },
  };
}
