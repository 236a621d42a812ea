import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseUpstreamUrl, describeUpstream, UpstreamConfigError } from '../pg/upstream/upstream-config.ts';
import { makeScramVerifier } from '../pg/auth/scram-server.ts';
import { PgProxy } from '../pg/pg-proxy.ts';
import { createLogger } from '../log.ts';
import { passThroughFactory, type SessionPolicyFactory } from '../pg/relay/session-policy.ts';

interface ProxyPgFlags {
  upstream: string;
  upstreamPasswordEnv?: string;
  upstreamPasswordFile?: string;
  listen: string;
  policy?: string;
  allowAll?: boolean;
  auditSpool?: string;
  localPassword?: string;
  localPasswordEnv?: string;
  localUser?: string;
  localAuth: 'scram-sha-256' | 'password';
  tlsCert?: string;
  tlsKey?: string;
  maxConnections: string;
  idleTimeout: string;
  maxMessageBytes?: string;
  connection?: string;
  maskingKeyEnv?: string;
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(text);
  if (m === null) throw new Error(`--listen must be HOST:PORT (got "${text}")`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`--listen port ${port} is out of range`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

export function registerProxyCommands(program: Command): void {
  const proxy = program.command('proxy').description('run an enforcing proxy in the foreground');
  proxy
    .command('pg')
    .description('proxy PostgreSQL clients to an upstream server; prints one JSON line with the local URL when ready')
    .requiredOption('--upstream <url>', 'upstream postgres:// URL (sslmode, sslrootcert, require_auth, connect_timeout are honoured)')
    .option('--upstream-password-env <var>', 'read the upstream password from this environment variable')
    .option('--upstream-password-file <path>', 'read the upstream password from the first line of this file')
    .option('--listen <host:port>', 'local address to listen on', '127.0.0.1:0')
    .option('--policy <file>', 'policy document (YAML) enforced on every statement')
    .option('--allow-all', 'run without a policy: every statement is allowed (still audited when --audit-spool is given)')
    .option('--audit-spool <dir>', 'directory of the durable local audit spool')
    .option('--local-password <secret>', 'secret clients must present (default: a generated one)')
    .option('--local-password-env <var>', 'read the local secret from this environment variable')
    .option('--local-user <name>', 'user name clients connect as (default: the upstream user)')
    .option('--local-auth <method>', 'scram-sha-256 or password (cleartext, loopback only)', 'scram-sha-256')
    .option('--connection <name>', 'connection name recorded in audit events')
    .option('--masking-key-env <var>', 'environment variable with the key of the hash mask style (default: random per start)')
    .option('--tls-cert <file>', 'serve TLS to clients with this certificate (PEM)')
    .option('--tls-key <file>', 'private key for --tls-cert (PEM)')
    .option('--max-connections <n>', 'maximum concurrent client connections', '100')
    .option('--idle-timeout <seconds>', 'close client sessions idle this long (0 = never)', '0')
    .option('--max-message-bytes <n>', 'largest protocol message accepted from a client or the upstream (default 256 MiB)')
    .action(async (flags: ProxyPgFlags) => {
      // argv carries the upstream URL; overwrite the process title so `ps` cannot show a credential.
      process.title = 'gatehouse proxy pg';
      const log = createLogger({ name: 'gatehouse-proxy' });
      if (flags.policy === undefined && flags.allowAll !== true) {
        throw new Error('refusing to start without a policy: pass --policy <file>, or --allow-all to allow every statement');
      }
      if (flags.policy !== undefined && flags.allowAll === true) throw new Error('give either --policy or --allow-all, not both');
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together');
      if (flags.localAuth !== 'scram-sha-256' && flags.localAuth !== 'password') throw new Error('--local-auth must be scram-sha-256 or password');
      let upstream;
      try {
        upstream = parseUpstreamUrl(flags.upstream, { passwordEnv: flags.upstreamPasswordEnv, passwordFile: flags.upstreamPasswordFile });
      } catch (e) {
        if (e instanceof UpstreamConfigError) throw new Error(`upstream: ${e.message}`);
        throw e;
      }
      const listen = parseListen(flags.listen);
      const maxMessageBytes = flags.maxMessageBytes === undefined ? undefined : Number(flags.maxMessageBytes);
      // Below 64 KiB the limit would refuse ordinary startup-time messages from real servers.
      if (maxMessageBytes !== undefined && (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 65_536)) {
        throw new Error(`--max-message-bytes must be an integer of at least 65536 (got "${flags.maxMessageBytes}")`);
      }
      const secret =
        flags.localPasswordEnv !== undefined
          ? (process.env[flags.localPasswordEnv] ?? '')
          : (flags.localPassword ?? randomBytes(24).toString('base64url'));
      if (secret.length < 12) throw new Error('the local secret must be at least 12 characters');
      const user = flags.localUser ?? upstream.user;
      const connection = flags.connection ?? upstream.database;
      // Without a policy or a spool nothing is judged: the classifier, the contracts and the spool
      // are not even loaded, so the plain data path keeps a small heap.
      let policyForSession: SessionPolicyFactory = passThroughFactory;
      if (flags.policy !== undefined || flags.auditSpool !== undefined) {
        const { loadSessionPolicyFactory } = await import('../policy/session-policy-factory.ts');
        policyForSession = await loadSessionPolicyFactory({
          policyFile: flags.policy ?? null,
          connection,
          auditSpoolDir: flags.auditSpool ?? null,
          upstream,
          log,
          maskingKey: flags.maskingKeyEnv === undefined ? undefined : process.env[flags.maskingKeyEnv],
        });
      }
      const proxy = new PgProxy({
        listenHost: listen.host,
        listenPort: listen.port,
        upstream,
        credentials: { user, database: upstream.database, secret, verifier: makeScramVerifier(secret), method: flags.localAuth },
        tls: flags.tlsCert === undefined ? null : { cert: readFileSync(flags.tlsCert, 'utf8'), key: readFileSync(flags.tlsKey!, 'utf8') },
        policyForSession: policyForSession.create,
        log,
        maxConnections: Number(flags.maxConnections),
        idleTimeoutMs: Number(flags.idleTimeout) * 1000,
        ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
      });
      const addr = await proxy.listen();
      const hostPart = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
      const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(secret)}@${hostPart}:${addr.port}/${encodeURIComponent(upstream.database)}`;
      process.stdout.write(JSON.stringify({ listening: `${hostPart}:${addr.port}`, url }) + '\n');
      log.info({ listening: `${hostPart}:${addr.port}`, to: describeUpstream(upstream), policy: flags.policy ?? 'allow-all' }, 'proxy ready');
      const stop = (): void => {
        log.info('shutting down');
        void proxy.close().then(async () => {
          await policyForSession.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
