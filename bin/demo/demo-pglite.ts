import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DEMO_APP_ROLE, DEMO_DATABASE } from './demo-postgres.ts';
import type { DemoPostgres } from './demo-postgres.ts';
import { randomSecret } from './demo-state.ts';
import type { DemoState } from './demo-state.ts';
import { startPgliteWireServer } from './pglite-wire-server.ts';
import type { PgliteWireServer } from './pglite-wire-server.ts';

/**
 * The demo's target database on a machine without PostgreSQL: embedded PGlite, kept in
 * `<data dir>/pglite` so a restart finds the same data, served over the wire on 127.0.0.1 by
 * this process, so the broker reaches it exactly as it would a real server. Same database and
 * role names as the real cluster, so the shop data and the policies are the same too.
 */

const PGLITE_DIR = 'pglite';
const LOG_FILE = 'pglite-wire.log';

function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** PGlite creates only `postgres`; the demo's role and database are made once, as its superuser. */
async function ensureRoleAndDatabase(dir: string): Promise<void> {
  const admin = new PGlite(dir);
  try {
    await admin.waitReady;
    const role = await admin.query('select 1 from pg_roles where rolname = $1', [DEMO_APP_ROLE]);
    if (role.rows.length === 0) await admin.exec(`create role ${identifier(DEMO_APP_ROLE)} login`);
    const database = await admin.query('select 1 from pg_database where datname = $1', [DEMO_DATABASE]);
    // CREATE DATABASE refuses to run in the implicit transaction of a multi-statement exec.
    if (database.rows.length === 0) await admin.exec(`create database ${identifier(DEMO_DATABASE)} owner ${identifier(DEMO_APP_ROLE)}`);
  } finally {
    await admin.close();
  }
}

async function listenOnRememberedPort(options: Parameters<typeof startPgliteWireServer>[0], remembered: number | undefined): Promise<PgliteWireServer> {
  if (remembered !== undefined) {
    try {
      return await startPgliteWireServer({ ...options, port: remembered });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
  return startPgliteWireServer({ ...options, port: 0 });
}

/**
 * Opens (and on first use creates) the demo's PGlite database and serves it. Updates `state`
 * with its password and port; the caller persists the state.
 */
export async function startDemoPglite(dataDir: string, state: DemoState): Promise<DemoPostgres> {
  const dir = join(dataDir, PGLITE_DIR);
  const logFile = join(dataDir, LOG_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const password = state.pglite?.appPassword ?? randomSecret();
  state.pglite = { appPassword: password };
  await ensureRoleAndDatabase(dir);

  const db = new PGlite(dir, { username: DEMO_APP_ROLE, database: DEMO_DATABASE });
  let server: PgliteWireServer;
  let version: string;
  try {
    await db.waitReady;
    version = (await db.query<{ version: string }>('select version()')).rows[0]?.version ?? '';
    // Log lines are appended one by one and never awaited by the connections they describe.
    let logging = Promise.resolve();
    const log = (line: string): void => {
      logging = logging.then(() => appendFile(logFile, `${new Date().toISOString()} ${line}\n`)).catch(() => undefined);
    };
    server = await listenOnRememberedPort({ db, user: DEMO_APP_ROLE, database: DEMO_DATABASE, password, log }, state.ports.postgres);
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
  state.ports.postgres = server.port;
  const pgliteVersion = /\(PGlite ([^)]+)\)/.exec(version)?.[1] ?? '?';
  return {
    kind: 'pglite',
    host: server.host,
    port: server.port,
    database: DEMO_DATABASE,
    user: DEMO_APP_ROLE,
    password,
    sslmode: 'disable',
    caPem: null,
    description: `embedded PGlite ${pgliteVersion} (PostgreSQL ${server.parameters.get('server_version') ?? '?'}) served over the wire by this process, data in ${dir}`,
    clusterDir: dir,
    pid: null,
    logFile,
    stop: async () => {
      await server.stop();
      if (!db.closed) await db.close();
    },
  };
}
