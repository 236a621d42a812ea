import { existsSync } from 'node:fs';
import { appendFile, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { choosePort, DEMO_HOST } from './demo-ports.ts';
import { runCommand, runCommandOrThrow, spawnService } from './demo-processes.ts';
import type { DemoChild } from './demo-processes.ts';
import { DEMO_HOME_FILES, DEMO_SSH_USER } from './demo-ssh-files.ts';
import type { DemoSshKeys } from './demo-ssh-keys.ts';

/**
 * A real OpenSSH server as the demo SSH target: in the foreground, with its own config and
 * host key, on 127.0.0.1 only, letting exactly one OS user (gatehouse-demo) in with the
 * leased key. Only usable as root: sshd must switch to the user it logs in.
 *
 * sshd itself allows sftp and forwarding, so when they are refused in the demo, it is
 * Gatehouse's policy that refused them.
 */

export const SSHD_BINARY = '/usr/sbin/sshd';
// sshd refuses to start without its privilege-separation directory.
const PRIVSEP_DIR = '/run/sshd';
const READY = /Server listening on 127\.0\.0\.1 port (\d+)/;
const START_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 3;

export interface RunningSshd {
  port: number;
  pid: number;
  user: string;
  /** true when this run created the OS user. */
  createdUser: boolean;
  logFile: string;
  stop(): Promise<void>;
}

interface PasswdEntry {
  uid: number;
  gid: number;
  home: string;
}

async function passwdEntry(user: string): Promise<PasswdEntry | null> {
  const entry = await runCommand('getent', ['passwd', user]);
  if (entry.code !== 0) return null;
  const fields = entry.stdout.trim().split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? `/home/${user}` };
}

async function ensureUser(): Promise<{ entry: PasswdEntry; created: boolean }> {
  let created = false;
  if ((await passwdEntry(DEMO_SSH_USER)) === null) {
    const added = await runCommand('useradd', ['--create-home', '--shell', '/bin/bash', '--comment', 'Gatehouse demo SSH target', DEMO_SSH_USER]);
    // 9: created meanwhile by someone else.
    if (added.code !== 0 && added.code !== 9) throw new Error(`useradd ${DEMO_SSH_USER} failed: ${added.stderr.trim()}`);
    created = added.code === 0;
  }
  // Without PAM, sshd refuses a locked account ("!", useradd's default) even for key logins;
  // "*" keeps password logins impossible.
  await runCommandOrThrow('usermod', ['-p', '*', DEMO_SSH_USER]);
  const entry = await passwdEntry(DEMO_SSH_USER);
  if (entry === null) throw new Error(`the OS user ${DEMO_SSH_USER} does not exist after useradd`);
  return { entry, created };
}

/** authorized_keys and the sample files, owned by the user; existing files are left alone. */
async function prepareHome(entry: PasswdEntry, clientKeyPublic: string): Promise<void> {
  const owned = async (path: string): Promise<void> => chown(path, entry.uid, entry.gid);
  const sshDir = join(entry.home, '.ssh');
  await mkdir(sshDir, { recursive: true, mode: 0o700 });
  await owned(sshDir);
  const authorizedKeys = join(sshDir, 'authorized_keys');
  const current = existsSync(authorizedKeys) ? await readFile(authorizedKeys, 'utf8') : '';
  const keyFields = clientKeyPublic.split(/\s+/).slice(0, 2).join(' ');
  if (!current.includes(keyFields)) await appendFile(authorizedKeys, `${clientKeyPublic}\n`, { mode: 0o600 });
  await owned(authorizedKeys);
  for (const [relative, content] of Object.entries(DEMO_HOME_FILES)) {
    const file = join(entry.home, relative);
    if (existsSync(file)) continue;
    await mkdir(dirname(file), { recursive: true });
    await owned(dirname(file));
    await writeFile(file, content, { mode: 0o644 });
    await owned(file);
  }
}

function config(dir: string, port: number, hostKeyFile: string): string {
  return [
    `Port ${port}`,
    `ListenAddress ${DEMO_HOST}`,
    `HostKey ${hostKeyFile}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'AuthorizedKeysFile .ssh/authorized_keys',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${DEMO_SSH_USER}`,
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    'PrintMotd no',
    'PrintLastLog no',
    'LogLevel INFO',
    '',
  ].join('\n');
}

async function launch(configFile: string, logFile: string): Promise<DemoChild> {
  const child = await spawnService('sshd', SSHD_BINARY, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    void appendFile(logFile, chunk).catch(() => undefined);
  });
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), START_TIMEOUT_MS);
    const check = (): void => {
      if (READY.test(output)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.child.stderr?.on('data', check);
    void child.exited.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    await child.stop();
    throw new Error(`sshd did not start:\n${output.trim()}`);
  }
  return child;
}

export async function startDemoSshd(dir: string, keys: DemoSshKeys, rememberedPort: number | undefined): Promise<RunningSshd> {
  await mkdir(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
  const { entry, created } = await ensureUser();
  await prepareHome(entry, keys.clientKeyPublic);
  const logFile = join(dir, 'sshd.log');
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await choosePort(attempt === 1 ? rememberedPort : undefined);
    const configFile = join(dir, 'sshd_config');
    await writeFile(configFile, config(dir, port, keys.hostKeyFile), { mode: 0o600 });
    try {
      const child = await launch(configFile, logFile);
      return { port, pid: child.pid, user: DEMO_SSH_USER, createdUser: created, logFile, stop: () => child.stop() };
    } catch (e) {
      // Most likely the port was taken between the probe and sshd's bind.
      lastError = e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
