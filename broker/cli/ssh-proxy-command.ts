import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import { allowAllPolicy } from '../../shared/policy/parse-policy.ts';
import { AuditSpool } from '../audit/audit-spool.ts';
import { createLogger, type Logger } from '../log.ts';
import { defaultSpoolDir, loadPolicyFile } from '../policy/session-policy-factory.ts';
import { HostKeyPinError, parsePinnedHostKey } from '../ssh/host-key-pin.ts';
import { defaultSshStateDir, loadOrCreateListenerFiles, publishListener, unpublishListener } from '../ssh/listener-state.ts';
import { sshCommandLine } from '../ssh/ssh-client-config.ts';
import { SshProxy } from '../ssh/ssh-proxy.ts';
import type { SshUpstreamAuth } from '../ssh/upstream-ssh.ts';

export interface SshProxyFlags {
  upstream: string;
  hostKey: string;
  identity?: string;
  identityPassphraseEnv?: string;
  upstreamPasswordEnv?: string;
  policy?: string;
  allowAll?: boolean;
  listen: string;
  connection?: string;
  auditSpool?: string;
  name?: string;
  stateDir?: string;
  localUser?: string;
  localPasswordEnv?: string;
  maxConnections: string;
}

/** The machine-readable line printed on stdout once the listener is ready. */
export interface SshReadyLine {
  listening: string;
  ssh: string;
  alias: string;
  identityFile: string;
  knownHostsFile: string;
}

/** `user@host[:port]`, `user@[v6]:port`. */
export function parseSshTarget(text: string): { username: string; host: string; port: number } {
  const m = /^([^@\s]+)@(\[[^\]]+\]|[^:@\s]+)(?::(\d+))?$/.exec(text);
  if (m === null) throw new Error(`--upstream must be user@host[:port] (got "${text}")`);
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`--upstream port ${port} is out of range`);
  return { username: m[1]!, host: m[2]!.replace(/^\[(.*)\]$/, '$1'), port };
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(text);
  if (m === null) throw new Error(`--listen must be HOST:PORT (got "${text}")`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`--listen port ${port} is out of range`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

function upstreamAuth(flags: SshProxyFlags): SshUpstreamAuth {
  if ((flags.identity === undefined) === (flags.upstreamPasswordEnv === undefined)) {
    throw new Error('give exactly one upstream credential: --identity <keyfile> or --upstream-password-env <var>');
  }
  if (flags.upstreamPasswordEnv !== undefined) {
    const password = process.env[flags.upstreamPasswordEnv];
    if (password === undefined || password === '') throw new Error(`environment variable ${flags.upstreamPasswordEnv} is empty`);
    return { password };
  }
  let privateKey: string;
  try {
    privateKey = readFileSync(flags.identity!, 'utf8');
  } catch (e) {
    throw new Error(`cannot read --identity ${flags.identity}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const passphrase = flags.identityPassphraseEnv === undefined ? undefined : process.env[flags.identityPassphraseEnv];
  return passphrase === undefined ? { privateKey } : { privateKey, passphrase };
}

/**
 * Starts a listener from the command line's choices. Separate from the command so that tests
 * (and the desktop shell) can run exactly what `gatehouse proxy ssh` runs.
 */
export async function startSshProxyFromFlags(flags: SshProxyFlags, log: Logger): Promise<{ proxy: SshProxy; ready: SshReadyLine; close: () => Promise<void> }> {
  if (flags.policy === undefined && flags.allowAll !== true) {
    throw new Error('refusing to start without a policy: pass --policy <file>, or --allow-all for the SSH defaults (no transfers, no forwarding)');
  }
  if (flags.policy !== undefined && flags.allowAll === true) throw new Error('give either --policy or --allow-all, not both');
  const target = parseSshTarget(flags.upstream);
  let hostKey;
  try {
    hostKey = parsePinnedHostKey(flags.hostKey);
  } catch (e) {
    if (e instanceof HostKeyPinError) throw new Error(`--host-key: ${e.message}`);
    throw e;
  }
  const auth = upstreamAuth(flags);
  const listen = parseListen(flags.listen);
  const connection = flags.connection ?? target.host;
  const policy: PolicyDocument = flags.policy === undefined ? allowAllPolicy(connection) : loadPolicyFile(flags.policy);
  const alias = flags.name ?? `gh-${connection}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  const files = loadOrCreateListenerFiles(flags.stateDir ?? defaultSshStateDir(), alias);
  let password: string | null = null;
  if (flags.localPasswordEnv !== undefined) {
    password = process.env[flags.localPasswordEnv] ?? '';
    if (password.length < 12) throw new Error(`the local secret in ${flags.localPasswordEnv} must be at least 12 characters`);
  }
  const user = flags.localUser ?? target.username;
  const spool = await AuditSpool.open(flags.auditSpool ?? defaultSpoolDir(policy.connection), { durability: policy.audit });
  const proxy = new SshProxy({
    listenHost: listen.host,
    listenPort: listen.port,
    hostKey: files.hostKey,
    credentials: { user, password, publicKey: files.clientPublicKey },
    upstream: { ...target, hostKey, auth },
    policy,
    connection: flags.connection ?? policy.connection,
    actor: { user: process.env['GATEHOUSE_USER'] ?? userInfo().username, kind: 'human', localUser: userInfo().username },
    spool,
    log,
    maxConnections: Number(flags.maxConnections),
  });
  let address;
  try {
    address = await proxy.listen();
  } catch (e) {
    await spool.close();
    throw e;
  }
  const record = publishListener(files, { alias, host: address.host, port: address.port, user });
  const ready: SshReadyLine = {
    listening: `${address.host}:${address.port}`,
    ssh: sshCommandLine(record),
    alias,
    identityFile: files.identityFile,
    knownHostsFile: files.knownHostsFile,
  };
  log.info({ listening: ready.listening, to: `${target.host}:${target.port}`, hostKey: hostKey.fingerprint, policy: flags.policy ?? 'allow-all' }, 'ssh proxy ready');
  return {
    proxy,
    ready,
    close: async () => {
      unpublishListener(files);
      await proxy.close();
      await spool.close();
    },
  };
}

/** Adds `ssh` under the `proxy` command. */
export function registerSshProxyCommand(proxyCommand: Command): void {
  proxyCommand
    .command('ssh')
    .description('proxy OpenSSH clients to an upstream host under a policy; prints one JSON line with a ready-to-use ssh command when ready')
    .requiredOption('--upstream <user@host:port>', 'the upstream account and host (port defaults to 22)')
    .requiredOption('--host-key <key>', 'the upstream host key, pinned: "ssh-ed25519 AAAA…" (never trusted on first use)')
    .option('--identity <keyfile>', 'private key (OpenSSH format) for the upstream login')
    .option('--identity-passphrase-env <var>', 'environment variable holding the passphrase of --identity')
    .option('--upstream-password-env <var>', 'read the upstream password from this environment variable (instead of --identity)')
    .option('--policy <file>', 'policy document (YAML) whose ssh section is enforced')
    .option('--allow-all', 'run without a policy file: the SSH defaults apply (commands allowed, no transfers or forwarding)')
    .option('--listen <host:port>', 'local address to listen on (loopback only)', '127.0.0.1:0')
    .option('--connection <name>', 'connection name recorded in audit events (default: the policy\'s)')
    .option('--audit-spool <dir>', 'directory of the durable local audit spool')
    .option('--name <alias>', 'Host alias for ~/.ssh/config and the name of the listener\'s key directory (default: gh-<connection>)')
    .option('--state-dir <dir>', 'where listener keys and known_hosts files live (default: $XDG_STATE_HOME/gatehouse/ssh)')
    .option('--local-user <name>', 'user name clients log in as (default: the upstream user)')
    .option('--local-password-env <var>', 'also accept this secret (password auth) besides the listener key')
    .option('--max-connections <n>', 'maximum concurrent client connections', '50')
    .action(async (flags: SshProxyFlags) => {
      process.title = 'gatehouse proxy ssh';
      const log = createLogger({ name: 'gatehouse-ssh-proxy' });
      const started = await startSshProxyFromFlags(flags, log);
      process.stdout.write(`${JSON.stringify(started.ready)}\n`);
      const stop = (): void => {
        log.info('shutting down');
        void started.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
