import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { gatehouseBin, repoRoot } from './gatehouse-proxy.ts';
import { stopChild, trackChild } from './child-processes.ts';

/** The JSON line `gatehouse connect <ssh-connection> --json` prints once its listener is ready. */
export interface SshConnectReadyLine {
  listening: string;
  ssh: string;
  alias: string;
  identityFile: string;
  knownHostsFile: string;
  connection: string;
  policyVersion: number;
}

export interface RunningSshConnect {
  ready: SshConnectReadyLine;
  port: number;
  pid: number;
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
  /** OpenSSH arguments that log in to the listener (no ssh_config, batch mode, quiet), before the remote command. */
  sshArgs(user: string, extra?: readonly string[]): string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `gatehouse connect <connection> --json <args>` for an SSH connection as its own process
 * group (the real CLI, as a user runs it) and waits for its ready line.
 */
export async function startSshConnect(connection: string, args: readonly string[], env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): Promise<RunningSshConnect> {
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
  const ready = await new Promise<SshConnectReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gatehouse connect ${connection} did not become ready:\n${err}`)), opts.timeoutMs ?? 60_000);
    const check = (): void => {
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, nl)) as SshConnectReadyLine);
      } catch (e) {
        reject(new Error(`gatehouse connect printed a bad ready line ${JSON.stringify(out.slice(0, nl))}: ${(e as Error).message}`));
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gatehouse connect ${connection} exited with ${code} before it was ready:\n${err}`));
    });
  }).catch(async (e: unknown) => {
    await stopChild(child, { signal: 'SIGKILL' });
    throw e;
  });
  const port = Number(ready.listening.split(':').pop());
  return {
    ready,
    port,
    pid: child.pid!,
    child,
    stderr: () => err,
    exited,
    sshArgs: (user, extra = []) => [
      '-F',
      '/dev/null',
      '-p',
      String(port),
      '-i',
      ready.identityFile,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${ready.knownHostsFile}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'LogLevel=ERROR',
      ...extra,
      `${user}@127.0.0.1`,
    ],
    stop: (signal = 'SIGTERM') => stopChild(child, { signal, timeoutMs: 10_000 }),
  };
}
