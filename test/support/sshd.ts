import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerExitCleanup, runCommand, runCommandOrThrow, stopChild, trackChild } from './child-processes.ts';
import { freePort } from './free-port.ts';

/**
 * A real OpenSSH server (Debian's sshd) for integration tests: foreground, own config, own host
 * key, loopback only, one dedicated OS user that logs in with a generated ed25519 key.
 *
 * sshd itself allows TCP forwarding, every environment variable and the sftp subsystem, so a
 * test that sees one of them refused knows the refusal came from the proxy in front of it.
 */

export const SSHD_TEST_USER = 'gh-ssh-test';
const SSHD_BINARY = '/usr/sbin/sshd';
// sshd refuses to start without its privilege-separation directory.
const PRIVSEP_DIR = '/run/sshd';
const READY_LINE = /Server listening on 127\.0\.0\.1 port (\d+)/;
const START_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 3;

export interface SshdHandle {
  host: '127.0.0.1';
  port: number;
  user: string;
  /** The user's private key (OpenSSH format, mode 0600), for whoever authenticates upstream. */
  userKeyFile: string;
  /** `ssh-ed25519 AAAA…` of the server's host key, for pinning. */
  hostKeyPublic: string;
  /** sshd's log so far (it logs to stderr with -e); handy in failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Extra sshd_config lines, appended after the defaults. */
  extraConfig?: readonly string[];
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdHandle> {
  mkdirSync(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
  await ensureTestUser();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sshd-'));
  // sshd reads authorized_keys as the logged-in user, who must be able to traverse the directory.
  chmodSync(dir, 0o711);
  const unregister = registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const hostKey = join(dir, 'host_ed25519');
    const userKey = join(dir, 'user_ed25519');
    await runCommandOrThrow('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gatehouse-test-host', '-f', hostKey]);
    await runCommandOrThrow('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gatehouse-test-user', '-f', userKey]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`), { mode: 0o644 });
    const hostKeyPublic = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      const port = await freePort();
      const configFile = join(dir, 'sshd_config');
      writeFileSync(configFile, sshdConfig(dir, port, hostKey, options.extraConfig ?? []), { mode: 0o600 });
      try {
        const { child, logs } = await launch(configFile);
        return {
          host: '127.0.0.1',
          port,
          user: SSHD_TEST_USER,
          userKeyFile: userKey,
          hostKeyPublic,
          logs,
          stop: async () => {
            await stopChild(child);
            rmSync(dir, { recursive: true, force: true });
            unregister();
          },
        };
      } catch (e) {
        // Another process may have taken the free port between the probe and sshd's bind.
        lastError = e as Error;
      }
    }
    throw lastError ?? new Error('sshd did not start');
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    unregister();
    throw e;
  }
}

function sshdConfig(dir: string, port: number, hostKey: string, extra: readonly string[]): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    // The key files live in a temporary directory, not in the user's home.
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${SSHD_TEST_USER}`,
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'AcceptEnv *',
    'Subsystem sftp internal-sftp',
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 50',
    'MaxSessions 20',
    'LogLevel VERBOSE',
    ...extra,
    '',
  ].join('\n');
}

async function launch(configFile: string): Promise<{ child: ChildProcess; logs: () => string }> {
  const child = spawn(SSHD_BINARY, ['-D', '-e', '-f', configFile], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  trackChild(child, 'sshd');
  let output = '';
  const logs = (): string => output;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`sshd did not report listening within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      void stopChild(child).finally(() => reject(e));
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (READY_LINE.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`sshd exited (${code ?? signal}) before listening:\n${output}`)));
  });
  return { child, logs };
}

async function ensureTestUser(): Promise<void> {
  if ((await runCommand('id', ['-u', SSHD_TEST_USER])).code !== 0) {
    const created = await runCommand('useradd', ['--create-home', '--shell', '/bin/bash', SSHD_TEST_USER]);
    // 9: the user appeared meanwhile (another test process created it).
    if (created.code !== 0 && created.code !== 9) throw new Error(`useradd ${SSHD_TEST_USER} failed: ${created.stderr.trim()}`);
  }
  // Without PAM, sshd refuses a locked account ("!" password, useradd's default) even for key logins.
  await runCommandOrThrow('usermod', ['-p', '*', SSHD_TEST_USER]);
}
