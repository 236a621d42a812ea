import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster } from '../support/postgres-cluster.ts';
import type { ClusterUser, PostgresCluster } from '../support/postgres-cluster.ts';
import { createStrayCa } from '../support/tls-fixtures.ts';

/** A zombie awaiting its reaper counts as dead: it runs nothing and holds no port. */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILL is delivered asynchronously, so an orphan's death is awaited rather than assumed. */
async function diesWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (await isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function queryOnce<T>(config: string | pg.ClientConfig, sql: string | pg.QueryConfig, onClient?: (client: pg.Client) => void): Promise<T[]> {
  const client = new pg.Client(config);
  onClient?.(client);
  try {
    await client.connect();
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('startPostgresCluster', () => {
  let cluster: PostgresCluster;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it.each<[ClusterUser, string]>([
    ['super', 'authenticationSASL'],
    ['scram', 'authenticationSASL'],
    ['md5', 'authenticationMD5Password'],
    ['cleartext', 'authenticationCleartextPassword'],
  ])('lets the %s user log in with %s', async (user, authRequest) => {
    const requests: string[] = [];
    const rows = await queryOnce<{ current_user: string }>(cluster.url({ user, sslmode: 'disable' }), 'select current_user', (client) => {
      for (const name of ['authenticationSASL', 'authenticationMD5Password', 'authenticationCleartextPassword']) {
        client.connection.on(name, () => requests.push(name));
      }
    });
    expect(rows).toEqual([{ current_user: cluster.users[user].user }]);
    expect(requests).toEqual([authRequest]);
  });

  it('refuses a wrong password over TCP', async () => {
    const url = cluster.url({ user: 'scram', sslmode: 'disable' }).replace(cluster.users.scram.password, 'wrong');
    await expect(queryOnce(url, 'select 1')).rejects.toThrow(/password authentication failed/);
  });

  it('serves TLS and plain TCP', async () => {
    const { user, password } = cluster.users.scram;
    const base = { host: cluster.host, port: cluster.port, user, password, database: cluster.database };
    const sslSql = 'select ssl from pg_stat_ssl where pid = pg_backend_pid()';
    // node-pg treats sslmode=require in a URL as verify-full, so libpq's 'require' is spelled out here.
    expect(await queryOnce({ ...base, ssl: { rejectUnauthorized: false } }, sslSql)).toEqual([{ ssl: true }]);
    expect(await queryOnce(cluster.url({ sslmode: 'disable' }), sslSql)).toEqual([{ ssl: false }]);
  });

  it('verifies the server certificate for 127.0.0.1 only, and only against its own CA', async () => {
    expect(await queryOnce(cluster.url({ sslmode: 'verify-full' }), 'select 1 as ok')).toEqual([{ ok: 1 }]);
    await expect(queryOnce(cluster.url({ sslmode: 'verify-full', host: cluster.altHost }), 'select 1')).rejects.toThrow(
      /127\.0\.0\.2 is not in the cert's list/,
    );
    const stray = await createStrayCa(cluster.tls.dir);
    await expect(queryOnce(cluster.url({ sslmode: 'verify-full', sslrootcert: stray.caCertFile }), 'select 1')).rejects.toThrow(
      /unable to verify/,
    );
  });

  it('stores the md5 user password as md5 and owns the database with the scram user', async () => {
    const result = await cluster.psql(
      `select rolpassword like 'md5%' from pg_authid where rolname = '${cluster.users.md5.user}';
       select pg_get_userbyid(datdba) from pg_database where datname = current_database();`,
      { user: 'super' },
    );
    expect(result).toEqual({ stdout: `t\n${cluster.users.scram.user}\n`, stderr: '', code: 0 });
  });

  it('logs simple, multi-line and extended-protocol statements in order', async () => {
    const marker = `marker_${Date.now()}`;
    await queryOnce(cluster.url({ sslmode: 'disable' }), `select '${marker}' as a,\n  2 as b`);
    // A named prepared statement goes through Parse/Bind/Execute and is logged as 'execute named: ...'.
    await queryOnce(cluster.url({ sslmode: 'disable' }), { name: 'named', text: `select $1::text as "${marker}"`, values: ['x'] });
    const log = await cluster.statementLog();
    const mine = log.filter((statement) => statement.includes(marker));
    expect(mine).toEqual([`select '${marker}' as a,\n  2 as b`, `select $1::text as "${marker}"`]);
  });

  it('reports psql failures through the exit code', async () => {
    const result = await cluster.psql('select no_such_column;');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/column "no_such_column" does not exist/);
  });

  it('stop() kills the postmaster it spawned and is idempotent', async () => {
    const pidFile = await readFile(`${cluster.dataDir}/postmaster.pid`, 'utf8');
    expect(Number(pidFile.split('\n')[0])).toBe(cluster.pid);
    expect(await isRunning(cluster.pid)).toBe(true);
    await cluster.stop();
    await cluster.stop();
    expect(await isRunning(cluster.pid)).toBe(false);
    expect(existsSync(cluster.dataDir)).toBe(false);
  });
});

it('kills the postmaster when the owning process exits without stopping it', async () => {
  const script = `
    const { startPostgresCluster } = await import(${JSON.stringify(new URL('../support/postgres-cluster.ts', import.meta.url).pathname)});
    const cluster = await startPostgresCluster();
    console.log(JSON.stringify({ pid: cluster.pid, dataDir: cluster.dataDir }));
    process.exit(0);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise((resolve) => child.once('close', resolve));
  expect(code).toBe(0);
  const { pid, dataDir } = JSON.parse(stdout) as { pid: number; dataDir: string };
  expect(await diesWithin(pid, 5_000)).toBe(true);
  expect(existsSync(dataDir)).toBe(false);
});
