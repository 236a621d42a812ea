import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { knownHostsLine } from '../../broker/ssh/ssh-client-config.ts';
import { runTimedCommand } from '../support/timed-command.ts';

/** One way for the real OpenSSH client to reach the test host: straight to sshd, or through a broker. */
export interface SshPath {
  name: PathName;
  /** Everything `ssh` needs before the remote command. */
  args: readonly string[];
}

export type PathName = 'direct' | 'direct-openssh-defaults' | 'recording-off' | 'recording-on';

export const PATH_TITLES: Record<PathName, string> = {
  direct: 'direct to sshd',
  'direct-openssh-defaults': "direct to sshd, OpenSSH's default key exchange",
  'recording-off': 'through the broker, recording off',
  'recording-on': 'through the broker, recording on',
};

/**
 * The key exchange both of the broker's legs end up with (ssh2 has no post-quantum hybrid).
 * OpenSSH 9 prefers sntrup761x25519, which costs ~120 ms of CPU per connection here; the
 * direct baseline uses the same exchange as the broker, so the comparison is of the broker's
 * work and not of a key exchange. `direct-openssh-defaults` shows the default alongside.
 */
export const BROKER_KEX = 'curve25519-sha256';

/** What one path negotiated, from `ssh -v`: the broker's upstream leg is ssh2's to sshd and not seen here. */
export interface Negotiated {
  kex: string;
  cipher: string;
}

/**
 * The client's arguments for one path: its own known_hosts with the one key it must see, its own
 * identity, no config file, no agent, no multiplexing — each run is a fresh connection.
 */
export function sshPath(opts: { name: PathName; dir: string; port: number; hostKeyPublic: string; identityFile: string; user: string; options?: readonly string[] }): SshPath {
  const knownHosts = join(opts.dir, `known_hosts-${opts.name}`);
  writeFileSync(knownHosts, `${knownHostsLine('127.0.0.1', opts.port, opts.hostKeyPublic)}\n`);
  return {
    name: opts.name,
    args: [
      '-F',
      '/dev/null',
      '-p',
      String(opts.port),
      '-i',
      opts.identityFile,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'LogLevel=INFO',
      '-o',
      'ControlMaster=no',
      '-o',
      'ControlPath=none',
      ...(opts.options ?? []).flatMap((option) => ['-o', option]),
      `${opts.user}@127.0.0.1`,
    ],
  };
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * What the remote sends: zeros (the brief's figure, and JSON's worst case: every NUL is six
 * bytes of asciicast), or plain text lines (what terminals mostly carry).
 */
export type TransferSource = 'zeros' | 'text';

const TEXT_LINE = '2026-01-01T00:00:00Z INFO gatehouse bench: a plain line of terminal text, as logs are';

export function remoteCommand(source: TransferSource, bytes: number): string {
  switch (source) {
    case 'zeros':
      return `head -c ${bytes} /dev/zero`;
    case 'text':
      return `yes '${TEXT_LINE}' | head -c ${bytes}`;
    default:
      return source satisfies never;
  }
}

export interface TransferTiming {
  /** From spawning ssh to its exit (and wc's): what a person waits for. */
  seconds: number;
  /** From the first byte read to the last: the data phase alone, without connection setup. */
  streamSeconds: number;
}

/**
 * `ssh … 'head -c N /dev/zero' | wc -c` (or text), timed from spawn to exit; the reading side takes the
 * first byte apart and stamps the clock before wc counts the rest and after, so the data phase
 * is timed too. Throws unless every byte arrived.
 */
export async function timeTransfer(path: SshPath, bytes: number, source: TransferSource): Promise<TransferTiming> {
  const reader = '{ dd bs=1 count=1 status=none >/dev/null && date +%s%N && wc -c && date +%s%N; }';
  const pipeline = `set -o pipefail; ssh ${path.args.map(shellQuote).join(' ')} ${shellQuote(remoteCommand(source, bytes))} | ${reader}`;
  const run = await runTimedCommand('bash', ['-c', pipeline], { timeoutMs: 600_000 });
  const [first, counted, last] = run.stdout.trim().split('\n').map((line) => line.trim());
  const received = counted === undefined ? Number.NaN : Number(counted) + 1;
  if (run.code !== 0 || received !== bytes) {
    throw new Error(`${PATH_TITLES[path.name]}: the transfer ended with ${run.code} after ${Number.isNaN(received) ? '?' : received} of ${bytes} bytes: ${run.stderr.trim()}`);
  }
  return { seconds: run.seconds, streamSeconds: Number(BigInt(last!) - BigInt(first!)) / 1e9 };
}

/** `ssh host true`: connection, key exchange, authentication, one exec, exit status, close. Answers ms. */
export async function timeSetup(path: SshPath): Promise<number> {
  const run = await runTimedCommand('ssh', [...path.args, 'true'], { timeoutMs: 30_000 });
  if (run.code !== 0) throw new Error(`${PATH_TITLES[path.name]}: ssh … true exited with ${run.code}: ${run.stderr.trim()}`);
  return run.seconds * 1000;
}

/** The key exchange and cipher the client negotiated on this path. */
export async function negotiated(path: SshPath): Promise<Negotiated> {
  const args = path.args.map((arg) => (arg === 'LogLevel=INFO' ? 'LogLevel=DEBUG1' : arg));
  const run = await runTimedCommand('ssh', [...args, 'true'], { timeoutMs: 30_000 });
  const kex = /kex: algorithm: (\S+)/.exec(run.stderr)?.[1] ?? '?';
  const cipher = /kex: server->client cipher: (\S+)/.exec(run.stderr)?.[1] ?? '?';
  return { kex, cipher };
}
