import type { ChildProcess } from 'node:child_process';
import { spawnConnectUntilReady } from './gatehouse-connect.ts';

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
  const { ready, child, stderr, exited, stop } = await spawnConnectUntilReady<SshConnectReadyLine>(connection, args, env, opts.timeoutMs ?? 60_000);
  const port = Number(ready.listening.split(':').pop());
  return {
    ready,
    port,
    pid: child.pid!,
    child,
    stderr,
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
    stop,
  };
}
