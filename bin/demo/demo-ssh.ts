import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { choosePort, DEMO_HOST } from './demo-ports.ts';
import { startBuiltinSshServer } from './demo-ssh-server.ts';
import { ensureDemoSshKeys } from './demo-ssh-keys.ts';
import { SSHD_BINARY, startDemoSshd } from './demo-sshd.ts';

/**
 * The demo SSH target: a real OpenSSH sshd when it is installed and we are root (sshd must
 * switch to the user it logs in), otherwise the built-in ssh2 server with its small shell.
 */

export type DemoSshMode = 'sshd' | 'builtin';

export interface DemoSsh {
  mode: DemoSshMode;
  host: string;
  port: number;
  user: string;
  /** `ssh-ed25519 AAAA…`: pinned on the demo connection. */
  hostKey: string;
  /** The key the server leases to brokers (OpenSSH private key). */
  privateKeyPem: string;
  privateKeyFile: string;
  /** One line for the person running the demo: what runs, and anything done to the system. */
  note: string;
  /** The sshd's PID; null for the built-in server (it runs in this process). */
  pid: number | null;
  stop(): Promise<void>;
}

export interface DemoSshOptions {
  /** 'auto' (default): sshd when possible. */
  prefer?: 'auto' | DemoSshMode;
  rememberedPort?: number;
}

function sshdUsable(): string | null {
  if (!existsSync(SSHD_BINARY)) return `${SSHD_BINARY} is not installed`;
  if (process.getuid?.() !== 0) return 'not running as root (sshd needs root to switch to the demo user)';
  return null;
}

export async function startDemoSsh(dataDir: string, options: DemoSshOptions = {}): Promise<DemoSsh> {
  const dir = join(dataDir, 'ssh');
  const keys = await ensureDemoSshKeys(dir);
  const prefer = options.prefer ?? 'auto';
  const whyNot = sshdUsable();
  if (prefer === 'sshd' && whyNot !== null) throw new Error(`cannot use a real sshd: ${whyNot}`);
  const base = { host: DEMO_HOST, hostKey: keys.hostKeyPublic, privateKeyPem: keys.clientKeyPrivate, privateKeyFile: keys.clientKeyFile };

  if (prefer !== 'builtin' && whyNot === null) {
    const sshd = await startDemoSshd(dir, keys, options.rememberedPort);
    const created = sshd.createdUser ? ` (created the OS user ${sshd.user} with useradd; remove it with: userdel -r ${sshd.user})` : '';
    return {
      ...base,
      mode: 'sshd',
      port: sshd.port,
      user: sshd.user,
      note: `OpenSSH sshd (${SSHD_BINARY}, PID ${sshd.pid}) logging in the OS user ${sshd.user}${created}`,
      pid: sshd.pid,
      stop: sshd.stop,
    };
  }

  const reason = prefer === 'builtin' ? 'as asked' : `because ${whyNot ?? 'it was asked for'}`;
  let server: Awaited<ReturnType<typeof startBuiltinSshServer>> | undefined;
  try {
    server = await startBuiltinSshServer(keys, await choosePort(options.rememberedPort));
  } catch {
    // The remembered port was taken between the probe and the bind.
    server = await startBuiltinSshServer(keys, 0);
  }
  return {
    ...base,
    mode: 'builtin',
    port: server.port,
    user: server.user,
    note: `built-in ssh2 server with a small demo shell (not a real sshd, ${reason})`,
    pid: null,
    stop: server.stop,
  };
}
