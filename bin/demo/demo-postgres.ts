import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chmod, chown, copyFile, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { choosePort, DEMO_HOST } from './demo-ports.ts';
import { runCommand, runCommandOrThrow, spawnService } from './demo-processes.ts';
import type { DemoChild } from './demo-processes.ts';
import { randomSecret } from './demo-state.ts';
import type { DemoState } from './demo-state.ts';
import { ensureDemoTls } from './demo-tls.ts';

/**
 * The demo's target database: a real PostgreSQL cluster of its own (TLS, SCRAM passwords,
 * 127.0.0.1 only) kept in the demo data dir, so a restart finds the same data. Without
 * PostgreSQL, embedded PGlite stands in (demo-pglite.ts; the choice is in demo-database-choice.ts).
 */

export const DEMO_DATABASE = 'shop';
export const DEMO_APP_ROLE = 'shop_app';
const SUPERUSER = 'postgres';
const POSTGRES_ROOT = '/usr/lib/postgresql';
const READY_TIMEOUT_MS = 30_000;
const START_ATTEMPTS = 3;

export class PostgresUnavailableError extends Error {
  override name = 'PostgresUnavailableError';
}

export interface DemoPostgres {
  /** cluster: a real PostgreSQL server process; pglite: embedded PGlite served by this process. */
  kind: 'cluster' | 'pglite';
  host: string;
  port: number;
  database: string;
  /** The role the demo connection leases; owner of the demo tables. */
  user: string;
  password: string;
  /** verify-full against `caPem` for the cluster; PGlite speaks no TLS (loopback only). */
  sslmode: 'verify-full' | 'disable';
  /** The CA the server certificate chains to; null without TLS. */
  caPem: string | null;
  /** e.g. "PostgreSQL 15 (/usr/lib/postgresql/15/bin)". */
  description: string;
  /** Where the database files are. */
  clusterDir: string;
  /** The postmaster; null when the database is served by this process (PGlite). */
  pid: number | null;
  logFile: string;
  /** Fast shutdown (SIGINT), by PID. */
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
  description: string;
}

interface OsUser {
  uid: number;
  gid: number;
  name: string;
}

function findBinaries(env: NodeJS.ProcessEnv): Binaries | null {
  if (existsSync(POSTGRES_ROOT)) {
    const versions = readdirSync(POSTGRES_ROOT)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bin = join(POSTGRES_ROOT, version, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) {
        return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres'), description: `PostgreSQL ${version} (${bin})` };
      }
    }
  }
  // Other distributions and Homebrew put the server binaries on PATH.
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter((d) => d !== '')) {
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) {
      return { initdb: join(dir, 'initdb'), postgres: join(dir, 'postgres'), description: `PostgreSQL (${dir})` };
    }
  }
  return null;
}

/** PostgreSQL refuses to run as root; as root the cluster belongs to the `postgres` OS user. */
async function clusterOsUser(): Promise<OsUser> {
  const uid = process.getuid?.() ?? 1;
  const gid = process.getgid?.() ?? 1;
  if (uid !== 0) return { uid, gid, name: 'the current user' };
  const id = await runCommand('id', ['-u', SUPERUSER]);
  const group = await runCommand('id', ['-g', SUPERUSER]);
  if (id.code !== 0 || group.code !== 0) {
    throw new PostgresUnavailableError('running as root, PostgreSQL must run as the "postgres" OS user, and there is none (install the postgresql package, or run the demo as a normal user)');
  }
  return { uid: Number(id.stdout.trim()), gid: Number(group.stdout.trim()), name: 'the postgres OS user' };
}

/**
 * Inside the data dir when the cluster's OS user can reach it; as root with a data dir under a
 * private home (/root is 0700), a directory of its own under /var/tmp instead, named after the
 * data dir so each data dir keeps its own cluster across restarts.
 */
async function chooseClusterDir(dataDir: string, user: OsUser): Promise<string> {
  const inside = join(dataDir, 'postgres');
  if (process.getuid?.() !== 0) return inside;
  const reachable = await runCommand('test', ['-x', dataDir], { uid: user.uid, gid: user.gid });
  if (reachable.code === 0) return inside;
  return join('/var/tmp', `gatehouse-demo-postgres-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);
}

function childEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C', LC_ALL: 'C', TZ: 'UTC' };
}

function confValue(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

async function initCluster(binaries: Binaries, user: OsUser, clusterDir: string, superPassword: string, tlsDir: string): Promise<void> {
  const dataDir = join(clusterDir, 'data');
  await rm(clusterDir, { recursive: true, force: true });
  await mkdir(join(clusterDir, 'sock'), { recursive: true, mode: 0o700 });
  await chmod(clusterDir, 0o700);
  const passwordFile = join(clusterDir, 'superpw');
  await writeFile(passwordFile, `${superPassword}\n`, { mode: 0o600 });
  await Promise.all([clusterDir, join(clusterDir, 'sock'), passwordFile].map((p) => chown(p, user.uid, user.gid)));
  await runCommandOrThrow(
    binaries.initdb,
    ['-D', dataDir, '-U', SUPERUSER, `--pwfile=${passwordFile}`, '-E', 'UTF8', '--locale=C', '--auth-local=peer', '--auth-host=scram-sha-256'],
    { uid: user.uid, gid: user.gid, cwd: clusterDir, env: childEnv(clusterDir) },
  );
  await rm(passwordFile);
  const settings: Record<string, string> = {
    listen_addresses: DEMO_HOST,
    unix_socket_directories: join(clusterDir, 'sock'),
    ssl: 'on',
    ssl_cert_file: 'server.crt',
    ssl_key_file: 'server.key',
    password_encryption: 'scram-sha-256',
    log_destination: 'stderr',
    logging_collector: 'off',
    log_line_prefix: '%m [%p] ',
    lc_messages: 'C',
    shared_buffers: '32MB',
    max_connections: '50',
  };
  const conf = Object.entries(settings).map(([key, value]) => `${key} = ${confValue(value)}`);
  await appendFile(join(dataDir, 'postgresql.conf'), `\n# Gatehouse demo\n${conf.join('\n')}\n`);
  await writeFile(join(dataDir, 'pg_hba.conf'), ['local all all peer', `host all all ${DEMO_HOST}/32 scram-sha-256`, ''].join('\n'));
  for (const name of ['server.crt', 'server.key']) {
    const target = join(dataDir, name);
    await copyFile(join(tlsDir, name), target);
    // The server refuses a key that anyone but its owner can read.
    await chmod(target, 0o600);
    await chown(target, user.uid, user.gid);
  }
}

async function readyClient(port: number, password: string, child: DemoChild, logFile: string): Promise<pg.Client> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.child.exitCode !== null || child.child.signalCode !== null) {
      throw new Error(`PostgreSQL exited while starting:\n${await tail(logFile)}`);
    }
    const client = new pg.Client({ host: DEMO_HOST, port, user: SUPERUSER, password, database: 'postgres', ssl: false, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return client;
    } catch (e) {
      lastError = e;
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s: ${String(lastError)}\n${await tail(logFile)}`);
}

async function tail(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A postmaster of an earlier demo that was killed without a chance to stop it. */
async function refuseIfAlreadyRunning(dataDir: string): Promise<void> {
  let pidText: string;
  try {
    pidText = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return;
  }
  const pid = Number(pidText.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // ESRCH: a stale lock file, which PostgreSQL clears itself. EPERM: alive, owned by postgres.
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return;
  }
  // The PID may have been reused by an unrelated process since the crash.
  const command = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => 'postgres');
  if (!command.startsWith('postgres')) return;
  throw new Error(`the demo database is already running (PID ${pid}, cluster ${dataDir}): is another demo running on this data dir? Stop it first (kill -INT ${pid}).`);
}

async function ensureRolesAndDatabase(admin: pg.Client, appPassword: string): Promise<void> {
  const role = await admin.query('select 1 from pg_roles where rolname = $1', [DEMO_APP_ROLE]);
  const literal = `'${appPassword.replaceAll("'", "''")}'`;
  // The password is set on every start, so the state file and the cluster can never disagree.
  if (role.rowCount === 0) await admin.query(`create role ${DEMO_APP_ROLE} login password ${literal}`);
  else await admin.query(`alter role ${DEMO_APP_ROLE} password ${literal}`);
  const database = await admin.query('select 1 from pg_database where datname = $1', [DEMO_DATABASE]);
  if (database.rowCount === 0) await admin.query(`create database ${DEMO_DATABASE} owner ${DEMO_APP_ROLE}`);
}

/**
 * Starts (and on first use creates) the demo cluster. Updates `state` with its directory and
 * passwords and its port; the caller persists the state.
 */
export async function startDemoPostgres(dataDir: string, state: DemoState, env: NodeJS.ProcessEnv = process.env): Promise<DemoPostgres> {
  const binaries = findBinaries(env);
  if (binaries === null) {
    throw new PostgresUnavailableError(
      'the demo needs PostgreSQL for its target database, and none is installed (no initdb/postgres under /usr/lib/postgresql or on PATH). ' +
        'Install it (Debian/Ubuntu: apt install postgresql; macOS: brew install postgresql) and run the demo again, ' +
        'or use embedded PGlite instead (--postgres-target pglite, or auto).',
    );
  }
  const user = await clusterOsUser();
  const remembered = state.postgres;
  const clusterDir = remembered?.clusterDir ?? (await chooseClusterDir(dataDir, user));
  const superPassword = remembered?.superPassword ?? randomSecret();
  const appPassword = remembered?.appPassword ?? randomSecret();
  const pgData = join(clusterDir, 'data');
  const tls = await ensureDemoTls(join(dataDir, 'tls'));
  if (!existsSync(join(pgData, 'PG_VERSION'))) await initCluster(binaries, user, clusterDir, superPassword, join(dataDir, 'tls'));
  state.postgres = { clusterDir, superPassword, appPassword };
  await refuseIfAlreadyRunning(pgData);

  const logFile = join(clusterDir, 'postgres.log');
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await choosePort(attempt === 1 ? state.ports.postgres : undefined);
    const logBefore = (await readFile(logFile, 'utf8').catch(() => '')).length;
    const log = await open(logFile, 'a');
    let child: DemoChild;
    try {
      child = await spawnService('postgres', binaries.postgres, ['-D', pgData, '-p', String(port)], {
        uid: user.uid,
        gid: user.gid,
        cwd: clusterDir,
        env: childEnv(clusterDir),
        stdio: ['ignore', log.fd, log.fd],
      });
    } finally {
      await log.close();
    }
    try {
      const admin = await readyClient(port, superPassword, child, logFile);
      try {
        await ensureRolesAndDatabase(admin, appPassword);
      } finally {
        await admin.end();
      }
      state.ports.postgres = port;
      return {
        kind: 'cluster',
        host: DEMO_HOST,
        port,
        database: DEMO_DATABASE,
        user: DEMO_APP_ROLE,
        password: appPassword,
        sslmode: 'verify-full',
        caPem: tls.caPem,
        description: binaries.description,
        clusterDir,
        pid: child.pid,
        logFile,
        stop: () => child.stop({ signal: 'SIGINT', timeoutMs: 15_000 }),
      };
    } catch (e) {
      lastError = e;
      await child.stop({ signal: 'SIGINT' });
      // Another process may take the port between the probe and the bind: try another one.
      const newLog = (await readFile(logFile, 'utf8').catch(() => '')).slice(logBefore);
      if (!/could not bind|could not create any TCP\/IP sockets/.test(newLog) && !String(e).includes('could not bind')) throw e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
