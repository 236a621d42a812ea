import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { appendFile, chmod, chown, copyFile, mkdir, mkdtemp, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { registerExitCleanup, runCommand, runCommandOrThrow, stopChild, trackChild } from './child-processes.ts';
import type { CommandResult } from './child-processes.ts';
import { createTlsFixture } from './tls-fixtures.ts';
import type { TlsFixture } from './tls-fixtures.ts';

export type ClusterUser = 'super' | 'scram' | 'md5' | 'cleartext';
export type ClusterSslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface ClusterUrlOptions {
  /** Defaults to 'scram', the owner of the test database. */
  user?: ClusterUser;
  /** Left out of the URL when not given (node-pg then does not use TLS; psql prefers it). */
  sslmode?: ClusterSslMode;
  host?: string;
  database?: string;
  /** Defaults to the cluster's CA for verify-ca and verify-full. */
  sslrootcert?: string;
}

export interface PostgresCluster {
  host: '127.0.0.1';
  /** Listened on, but absent from the server certificate: verify-full against it must fail. */
  altHost: '127.0.0.2';
  port: number;
  /** 'gatehouse_test', owned by the scram user. */
  database: string;
  dataDir: string;
  logFile: string;
  tls: TlsFixture;
  /** The postmaster's PID (the process we spawned, not a wrapper). */
  pid: number;
  users: Record<ClusterUser, { user: string; password: string }>;
  url(opts?: ClusterUrlOptions): string;
  /** Every statement the server logged, in order; multi-line statements keep their newlines. */
  statementLog(): Promise<string[]>;
  psql(sql: string, opts?: { user?: ClusterUser; database?: string }): Promise<CommandResult>;
  /** Fast shutdown, then the temporary directory is removed. Safe to call more than once. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const ALT_HOST = '127.0.0.2';
const DATABASE = 'gatehouse_test';
const PSQL = '/usr/bin/psql';
const POSTGRES_ROOT = '/usr/lib/postgresql';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const MAX_START_ATTEMPTS = 3;

const ROLE_NAMES: Record<ClusterUser, string> = {
  super: 'postgres',
  scram: 'gh_scram',
  md5: 'gh_md5',
  cleartext: 'gh_clear',
};

// Lines written by the server are prefixed with '%m [%p] ' in UTC.
const LOG_LINE_PREFIX = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC \[\d+\] /;
// 'execute <name>: ', 'execute <unnamed>: ' and 'execute fetch from <name>/<portal>: ' (extended protocol).
const STATEMENT_MESSAGE = /^LOG: {2}(?:statement|execute(?: fetch from)? .*?): ([\s\S]*)$/;

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

interface OsUser {
  uid: number;
  gid: number;
}

let osUserPromise: Promise<OsUser> | undefined;
let binariesPromise: Promise<PostgresBinaries> | undefined;

async function postgresOsUser(): Promise<OsUser> {
  osUserPromise ??= (async () => {
    const uid = Number((await runCommandOrThrow('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await runCommandOrThrow('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  })();
  return osUserPromise;
}

async function postgresBinaries(): Promise<PostgresBinaries> {
  binariesPromise ??= (async () => {
    const versions = (await readdir(POSTGRES_ROOT)).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
    const newest = versions[0];
    if (newest === undefined) throw new Error(`no PostgreSQL installation under ${POSTGRES_ROOT}`);
    const bin = join(POSTGRES_ROOT, newest, 'bin');
    return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
  })();
  return binariesPromise;
}

function randomPassword(): string {
  return randomBytes(16).toString('hex');
}

function confValue(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

function serverConf(socketDir: string, extraConf: Record<string, string>): string {
  const settings: Record<string, string> = {
    listen_addresses: `${HOST},${ALT_HOST}`,
    unix_socket_directories: socketDir,
    ssl: 'on',
    ssl_cert_file: 'server.crt',
    ssl_key_file: 'server.key',
    password_encryption: 'scram-sha-256',
    log_statement: 'all',
    log_destination: 'stderr',
    logging_collector: 'off',
    log_line_prefix: '%m [%p] ',
    log_timezone: 'UTC',
    lc_messages: 'C',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    shared_buffers: '16MB',
    huge_pages: 'off',
    max_connections: '100',
    ...extraConf,
  };
  const lines = Object.entries(settings).map(([key, value]) => {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(key)) throw new Error(`invalid PostgreSQL setting name: ${key}`);
    return `${key} = ${confValue(value)}`;
  });
  return `\n# Gatehouse test cluster\n${lines.join('\n')}\n`;
}

function hbaConf(): string {
  return [
    'local all postgres peer',
    `host all ${ROLE_NAMES.md5} 127.0.0.0/8 md5`,
    `host all ${ROLE_NAMES.cleartext} 127.0.0.0/8 password`,
    'host all all 127.0.0.0/8 scram-sha-256',
    '',
  ].join('\n');
}

/** Parses the server log into statement texts; continuation lines are tab-indented by the server. */
export function parseStatementLog(logText: string): string[] {
  const statements: string[] = [];
  let current: string[] | undefined;
  const flush = (): void => {
    if (current !== undefined) statements.push(current.join('\n'));
    current = undefined;
  };
  for (const line of logText.split('\n')) {
    if (current !== undefined && line.startsWith('\t')) {
      current.push(line.slice(1));
      continue;
    }
    flush();
    const prefix = LOG_LINE_PREFIX.exec(line);
    if (prefix === null) continue;
    const message = STATEMENT_MESSAGE.exec(line.slice(prefix[0].length));
    if (message?.[1] !== undefined) current = [message[1]];
  }
  flush();
  return statements;
}

function childEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C', LC_ALL: 'C', TZ: 'UTC' };
}

async function readTail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Polls with a real login and query; setup traffic is kept out of the statement log. */
async function connectWhenReady(postmaster: ChildProcess, port: number, superPassword: string): Promise<pg.Client> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (hasExited(postmaster)) throw new Error(`postmaster exited during startup (code ${postmaster.exitCode}, signal ${postmaster.signalCode})`);
    const client = new pg.Client({
      host: HOST,
      port,
      user: ROLE_NAMES.super,
      password: superPassword,
      database: 'postgres',
      ssl: false,
      options: '-c log_statement=none',
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return client;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`PostgreSQL did not become ready within ${READY_TIMEOUT_MS} ms: ${String(lastError)}`);
}

async function createRolesAndDatabase(admin: pg.Client, users: Record<ClusterUser, { user: string; password: string }>): Promise<void> {
  await admin.query(`create role ${users.scram.user} login createdb password '${users.scram.password}'`);
  await admin.query(`create role ${users.cleartext.user} login password '${users.cleartext.password}'`);
  // md5 authentication needs an md5-stored password; a SCRAM verifier would silently upgrade the exchange.
  await admin.query(`set password_encryption = 'md5'`);
  await admin.query(`create role ${users.md5.user} login password '${users.md5.password}'`);
  await admin.query('reset password_encryption');
  await admin.query(`create database ${DATABASE} owner ${users.scram.user}`);
}

async function spawnPostmaster(
  binaries: PostgresBinaries,
  osUser: OsUser,
  dataDir: string,
  logFile: string,
  port: number,
  home: string,
): Promise<ChildProcess> {
  const log = await open(logFile, 'a');
  try {
    // detached: the postmaster leads its own process group, so it can be killed by PID as a group.
    const postmaster = spawn(binaries.postgres, ['-D', dataDir, '-p', String(port)], {
      uid: osUser.uid,
      gid: osUser.gid,
      cwd: home,
      env: childEnv(home),
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
    trackChild(postmaster, `postgres:${port}`);
    await new Promise<void>((resolve, reject) => {
      postmaster.once('spawn', resolve);
      postmaster.once('error', reject);
    });
    return postmaster;
  } finally {
    await log.close();
  }
}

/** Starts a throw-away PostgreSQL cluster with TLS, password-only TCP logins and full statement logging. */
export async function startPostgresCluster(opts: { extraConf?: Record<string, string> } = {}): Promise<PostgresCluster> {
  const [binaries, osUser] = await Promise.all([postgresBinaries(), postgresOsUser()]);
  const root = await mkdtemp(join(tmpdir(), 'gh-pg-'));
  const unregisterCleanup = registerExitCleanup(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  const tlsDir = join(root, 'tls');
  const logFile = join(root, 'postgres.log');
  const superPasswordFile = join(root, 'superpw');

  const users: Record<ClusterUser, { user: string; password: string }> = {
    super: { user: ROLE_NAMES.super, password: randomPassword() },
    scram: { user: ROLE_NAMES.scram, password: randomPassword() },
    md5: { user: ROLE_NAMES.md5, password: randomPassword() },
    cleartext: { user: ROLE_NAMES.cleartext, password: randomPassword() },
  };

  let postmaster: ChildProcess | undefined;
  try {
    await Promise.all([mkdir(socketDir), mkdir(tlsDir)]);
    await writeFile(superPasswordFile, `${users.super.password}\n`, { mode: 0o600 });
    await Promise.all([root, socketDir, superPasswordFile].map((p) => chown(p, osUser.uid, osUser.gid)));

    const [tls] = await Promise.all([
      createTlsFixture({ hostnames: ['localhost'], ips: [HOST], dir: tlsDir }),
      runCommandOrThrow(
        binaries.initdb,
        ['-D', dataDir, '-U', ROLE_NAMES.super, `--pwfile=${superPasswordFile}`, '-E', 'UTF8', '--locale=C', '--no-sync', '--auth-local=peer', '--auth-host=scram-sha-256'],
        { uid: osUser.uid, gid: osUser.gid, cwd: root, env: childEnv(root) },
      ),
    ]);
    await rm(superPasswordFile);

    await appendFile(join(dataDir, 'postgresql.conf'), serverConf(socketDir, opts.extraConf ?? {}));
    await writeFile(join(dataDir, 'pg_hba.conf'), hbaConf());
    const serverKey = join(dataDir, 'server.key');
    const serverCert = join(dataDir, 'server.crt');
    await copyFile(tls.serverKeyFile, serverKey);
    await copyFile(tls.serverCertFile, serverCert);
    // The server refuses a key readable by anyone but its owner.
    await chmod(serverKey, 0o600);
    await Promise.all([serverKey, serverCert].map((p) => chown(p, osUser.uid, osUser.gid)));

    let port = 0;
    let admin: pg.Client | undefined;
    for (let attempt = 1; admin === undefined; attempt++) {
      port = await freePort();
      postmaster = await spawnPostmaster(binaries, osUser, dataDir, logFile, port, root);
      try {
        admin = await connectWhenReady(postmaster, port, users.super.password);
        // Another process may grab the port (on either address) between freePort() and the bind.
        if ((await readFile(logFile, 'utf8')).includes('could not bind')) throw new Error('port taken during startup');
      } catch (error) {
        await admin?.end().catch(() => undefined);
        admin = undefined;
        await stopChild(postmaster, { signal: 'SIGINT', timeoutMs: STOP_TIMEOUT_MS });
        const log = await readTail(logFile);
        if (attempt >= MAX_START_ATTEMPTS || !log.includes('could not bind')) {
          throw new Error(`${String(error)}\n--- ${logFile} ---\n${log}`);
        }
        await writeFile(logFile, '');
      }
    }
    try {
      await createRolesAndDatabase(admin, users);
    } finally {
      await admin.end();
    }

    const runningPostmaster = postmaster;
    const pid = runningPostmaster?.pid;
    if (runningPostmaster === undefined || pid === undefined) throw new Error('postmaster has no PID');
    let stopping: Promise<void> | undefined;
    let logAfterStop: string | undefined;

    const cluster: PostgresCluster = {
      host: HOST,
      altHost: ALT_HOST,
      port,
      database: DATABASE,
      dataDir,
      logFile,
      tls,
      pid,
      users,
      url(urlOpts = {}) {
        const { user, password } = users[urlOpts.user ?? 'scram'];
        const params = new URLSearchParams();
        if (urlOpts.sslmode !== undefined) params.set('sslmode', urlOpts.sslmode);
        const verifies = urlOpts.sslmode === 'verify-ca' || urlOpts.sslmode === 'verify-full';
        const rootCert = urlOpts.sslrootcert ?? (verifies ? tls.caCertFile : undefined);
        if (rootCert !== undefined) params.set('sslrootcert', rootCert);
        const query = params.size > 0 ? `?${params.toString()}` : '';
        const database = encodeURIComponent(urlOpts.database ?? DATABASE);
        return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${urlOpts.host ?? HOST}:${port}/${database}${query}`;
      },
      async statementLog() {
        return parseStatementLog(logAfterStop ?? (await readFile(logFile, 'utf8')));
      },
      async psql(sql, psqlOpts = {}) {
        const { user, password } = users[psqlOpts.user ?? 'scram'];
        return runCommand(
          PSQL,
          ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', HOST, '-p', String(port), '-U', user, '-d', psqlOpts.database ?? DATABASE],
          { input: sql, env: { ...childEnv(root), PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' } },
        );
      },
      stop() {
        stopping ??= (async () => {
          await stopChild(runningPostmaster, { signal: 'SIGINT', timeoutMs: STOP_TIMEOUT_MS });
          // Kept so statementLog() still answers after the directory is gone.
          logAfterStop = await readFile(logFile, 'utf8').catch(() => '');
          await rm(root, { recursive: true, force: true });
          unregisterCleanup();
        })();
        return stopping;
      },
    };
    return cluster;
  } catch (error) {
    if (postmaster !== undefined) await stopChild(postmaster, { signal: 'SIGINT', timeoutMs: STOP_TIMEOUT_MS });
    await rm(root, { recursive: true, force: true });
    unregisterCleanup();
    throw error;
  }
}
