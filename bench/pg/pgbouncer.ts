import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { registerExitCleanup, runCommand, runCommandOrThrow, stopChild, trackChild } from '../../test/support/child-processes.ts';
import { freePort } from '../../test/support/free-port.ts';

const PGBOUNCER = '/usr/sbin/pgbouncer';
const READY_TIMEOUT_MS = 15_000;
/** The first release whose transaction pooling keeps protocol-level prepared statements working. */
const PREPARED_STATEMENTS_SINCE: readonly [number, number] = [1, 21];

export interface PgBouncerUpstream {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

export interface RunningPgBouncer {
  url: string;
  pid: number;
  version: string;
  /** Null when this version supports -M prepared in transaction mode, else why not. */
  preparedStatementsUnsupported: string | null;
  child: ChildProcess;
  /** Everything pgbouncer wrote so far. */
  log(): string;
  stop(): Promise<void>;
}

async function ensureInstalled(): Promise<void> {
  if (existsSync(PGBOUNCER)) return;
  process.stderr.write('pgbouncer is missing: apt-get install -y pgbouncer\n');
  let install = await runCommand('apt-get', ['install', '-y', 'pgbouncer'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install.code !== 0) {
    await runCommandOrThrow('apt-get', ['update']);
    install = await runCommandOrThrow('apt-get', ['install', '-y', 'pgbouncer'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!existsSync(PGBOUNCER)) throw new Error(`apt-get installed pgbouncer but ${PGBOUNCER} is missing`);
}

async function installedVersion(): Promise<{ text: string; major: number; minor: number }> {
  const out = (await runCommandOrThrow(PGBOUNCER, ['--version'])).stdout;
  const match = /PgBouncer (\d+)\.(\d+)(?:\.\d+)?/.exec(out);
  if (match === null) throw new Error(`cannot read the pgbouncer version from: ${out.trim()}`);
  return { text: match[0].slice('PgBouncer '.length), major: Number(match[1]), minor: Number(match[2]) };
}

/** pgbouncer refuses to run as root, so it runs as the same OS user as the cluster. */
async function serviceOsUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await runCommandOrThrow('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await runCommandOrThrow('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

function quoted(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

function iniFile(opts: { dir: string; port: number; upstream: PgBouncerUpstream; preparedStatements: boolean }): string {
  const { upstream } = opts;
  const lines = [
    '[databases]',
    `${upstream.database} = host=${upstream.host} port=${upstream.port} dbname=${upstream.database}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${opts.port}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${join(opts.dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    'max_client_conn = 100',
    'default_pool_size = 20',
    // Same upstream leg as Gatehouse: TLS to the server, sslmode=require.
    'server_tls_sslmode = require',
    'log_connections = 0',
    'log_disconnections = 0',
    'ignore_startup_parameters = extra_float_digits',
  ];
  if (opts.preparedStatements) lines.push('max_prepared_statements = 200');
  return `${lines.join('\n')}\n`;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitUntilServing(child: ChildProcess, url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`pgbouncer exited (code ${child.exitCode}): ${log().trim()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`pgbouncer did not serve within ${READY_TIMEOUT_MS} ms: ${String(lastError)}\n${log().trim()}`);
}

/** Runs our own PgBouncer (transaction pooling, SCRAM to clients, TLS to the server) on a free port. */
export async function startPgBouncer(upstream: PgBouncerUpstream): Promise<RunningPgBouncer> {
  await ensureInstalled();
  const version = await installedVersion();
  const [sinceMajor, sinceMinor] = PREPARED_STATEMENTS_SINCE;
  const preparedStatements = version.major > sinceMajor || (version.major === sinceMajor && version.minor >= sinceMinor);
  const owner = await serviceOsUser();
  const dir = await mkdtemp(join(tmpdir(), 'gh-bench-pgbouncer-'));
  // The auth file holds a password: gone even when the bench is interrupted.
  const unregisterCleanup = registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    const iniPath = join(dir, 'pgbouncer.ini');
    const authPath = join(dir, 'userlist.txt');
    await writeFile(iniPath, iniFile({ dir, port, upstream, preparedStatements }), { mode: 0o600 });
    await writeFile(authPath, `${quoted(upstream.user)} ${quoted(upstream.password)}\n`, { mode: 0o600 });
    if (owner !== undefined) await Promise.all([dir, iniPath, authPath].map((p) => chown(p, owner.uid, owner.gid)));

    let log = '';
    child = spawn(PGBOUNCER, [iniPath], { ...owner, cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child, 'pgbouncer');
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (log += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (log += d));
    const url = `postgres://${encodeURIComponent(upstream.user)}:${encodeURIComponent(upstream.password)}@127.0.0.1:${port}/${encodeURIComponent(upstream.database)}`;
    await waitUntilServing(child, url, () => log);
    const running = child;
    return {
      url,
      pid: running.pid!,
      version: version.text,
      child: running,
      log: () => log,
      preparedStatementsUnsupported: preparedStatements
        ? null
        : `pgbouncer ${version.text} < ${sinceMajor}.${sinceMinor} has no max_prepared_statements`,
      async stop() {
        await stopChild(running, { signal: 'SIGTERM', timeoutMs: 5_000 });
        await rm(dir, { recursive: true, force: true });
        unregisterCleanup();
      },
    };
  } catch (error) {
    if (child !== undefined) await stopChild(child, { signal: 'SIGKILL' });
    await rm(dir, { recursive: true, force: true });
    unregisterCleanup();
    throw error;
  }
}
