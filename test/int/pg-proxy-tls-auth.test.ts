import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../support/child-processes.ts';
import type { CommandResult } from '../support/child-processes.ts';
import { runGatehouse, startGatehouseProxy } from '../support/gatehouse-proxy.ts';
import type { RunningProxy } from '../support/gatehouse-proxy.ts';
import { startPostgresCluster } from '../support/postgres-cluster.ts';
import type { ClusterSslMode, ClusterUser, PostgresCluster } from '../support/postgres-cluster.ts';
import { createStrayCa, createTlsFixture } from '../support/tls-fixtures.ts';

/**
 * The PostgreSQL proxy as a user runs it (the real CLI process) between real clients (psql,
 * node-postgres) and a real server: upstream TLS modes, upstream authentication methods and
 * downgrade refusals, where the upstream password comes from and where it must never show up,
 * startup refusals, local TLS and local authentication, and concurrent sessions.
 */

const PSQL = '/usr/bin/psql';
const SSL_SQL = 'select ssl from pg_stat_ssl where pid = pg_backend_pid()';
const GSSENC_REQUEST_CODE = 80877104;

let cluster: PostgresCluster;
let workDir: string;
const running = new Set<RunningProxy>();

beforeAll(async () => {
  [cluster, workDir] = await Promise.all([startPostgresCluster(), mkdtemp(join(tmpdir(), 'gh-proxy-tls-auth-'))]);
});

afterAll(async () => {
  await Promise.all([...running].map((p) => p.stop()));
  await cluster?.stop();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

function passwordOf(user: ClusterUser): string {
  return cluster.users[user].password;
}

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}

/** The proxy's local URL with one part changed, to present a wrong credential or database. */
function alteredLocalUrl(url: string, change: { user?: string; password?: string; database?: string }): string {
  const u = new URL(url);
  if (change.user !== undefined) u.username = encodeURIComponent(change.user);
  if (change.password !== undefined) u.password = encodeURIComponent(change.password);
  if (change.database !== undefined) u.pathname = `/${encodeURIComponent(change.database)}`;
  return u.toString();
}

function localSecretOf(p: RunningProxy): string {
  return decodeURIComponent(new URL(p.url).password);
}

/** No ambient credentials: PGPASSWORD, a .pgpass or a service file would hide what the URL alone can do. */
function psqlEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  return { ...env, PGPASSFILE: join(workDir, 'no-such-pgpass'), PGSYSCONFDIR: workDir, PGCONNECT_TIMEOUT: '10' };
}

function psql(url: string, command: string): Promise<CommandResult> {
  return runCommand(PSQL, ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', command, url], { env: psqlEnv() });
}

async function psqlOk(url: string, command: string): Promise<string> {
  const r = await psql(url, command);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

async function psqlFails(url: string): Promise<string> {
  const r = await psql(url, 'select 1');
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  return r.stderr;
}

async function pgQuery<T>(config: string | pg.ClientConfig, sql: string): Promise<T[]> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function pgFailure(config: string | pg.ClientConfig): Promise<Error & { code?: string }> {
  try {
    await pgQuery(config, 'select 1');
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('the connection was expected to fail but succeeded');
}

async function startProxy(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningProxy> {
  // Debug logging is on everywhere so that the leak checks cover the most talkative output.
  const p = await startGatehouseProxy([...args], { env: { GATEHOUSE_LOG_LEVEL: 'debug', ...env } });
  running.add(p);
  return p;
}

/**
 * Stops the proxy and asserts no secret appeared in its command line (read while it ran), its
 * stdout, its stderr (read after exit, so buffered log lines are included) or any text a
 * client was shown.
 */
async function stopAndExpectNoLeak(p: RunningProxy, secrets: string[], clientTexts: string[] = []): Promise<void> {
  const cmdline = (await readFile(`/proc/${p.pid}/cmdline`)).toString('utf8');
  await p.stop();
  running.delete(p);
  const places: Record<string, string> = { cmdline, stdout: p.stdout(), stderr: p.stderr() };
  clientTexts.forEach((text, i) => (places[`client text #${i + 1}`] = text));
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(8);
    for (const [where, text] of Object.entries(places)) {
      expect(text.includes(secret), `the secret appears in the proxy's ${where}`).toBe(false);
    }
  }
}

describe('upstream TLS modes', () => {
  it.each<[ClusterSslMode, boolean]>([
    ['disable', false],
    ['require', true],
    ['verify-ca', true],
    ['verify-full', true],
  ])('sslmode=%s reaches the server with ssl=%s', async (sslmode, expectedSsl) => {
    const p = await startProxy(['--upstream', cluster.url({ sslmode }), '--allow-all']);
    expect(await pgQuery<{ ssl: boolean }>(p.url, SSL_SQL)).toEqual([{ ssl: expectedSsl }]);
    expect(await psqlOk(p.url, SSL_SQL)).toBe(expectedSsl ? 't' : 'f');
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });

  it('verify-ca refuses a server certificate not signed by the given CA', async () => {
    const stray = await createStrayCa(workDir);
    const p = await startProxy(['--upstream', cluster.url({ sslmode: 'verify-ca', sslrootcert: stray.caCertFile }), '--allow-all']);
    const stderr = await psqlFails(p.url);
    expect(stderr).toMatch(/FATAL: .*TLS verification failed/);
    const err = await pgFailure(p.url);
    expect(err.message).toMatch(/TLS verification failed/);
    expect(err.code).toBe('08001');
    await stopAndExpectNoLeak(p, [passwordOf('scram')], [stderr, err.message]);
  });

  it('verify-full refuses a host name the certificate does not name, even with the right CA', async () => {
    const p = await startProxy(['--upstream', cluster.url({ sslmode: 'verify-full', host: cluster.altHost }), '--allow-all']);
    const stderr = await psqlFails(p.url);
    expect(stderr).toMatch(/FATAL: .*TLS verification failed/);
    expect(stderr).toMatch(/altname|host ?name/i);
    expect(stderr).toContain(cluster.altHost);
    // The same CA verifies fine on the address the certificate does name (the it.each case above).
    await stopAndExpectNoLeak(p, [passwordOf('scram')], [stderr]);
  });
});

describe('upstream authentication methods', () => {
  it('a SCRAM user works with the default require_auth', async () => {
    const p = await startProxy(['--upstream', cluster.url({ user: 'scram', sslmode: 'require' }), '--allow-all']);
    expect(await psqlOk(p.url, 'select current_user')).toBe(cluster.users.scram.user);
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });

  it('an md5 user works when require_auth=md5 allows it', async () => {
    const p = await startProxy(['--upstream', withParams(cluster.url({ user: 'md5', sslmode: 'disable' }), { require_auth: 'md5' }), '--allow-all']);
    expect(await psqlOk(p.url, 'select current_user')).toBe(cluster.users.md5.user);
    expect(await pgQuery(p.url, 'select current_user as u')).toEqual([{ u: cluster.users.md5.user }]);
    await stopAndExpectNoLeak(p, [passwordOf('md5')]);
  });

  it('a cleartext-password user works over TLS when require_auth=password allows it', async () => {
    const url = withParams(cluster.url({ user: 'cleartext', sslmode: 'verify-full' }), { require_auth: 'password' });
    const p = await startProxy(['--upstream', url, '--allow-all']);
    expect(await psqlOk(p.url, `select current_user || ' ' || (${SSL_SQL})::text`)).toBe(`${cluster.users.cleartext.user} true`);
    await stopAndExpectNoLeak(p, [passwordOf('cleartext')]);
  });

  it('refuses an md5 request when require_auth does not allow it (a downgrade from SCRAM)', async () => {
    const p = await startProxy(['--upstream', cluster.url({ user: 'md5', sslmode: 'require' }), '--allow-all']);
    const stderr = await psqlFails(p.url);
    expect(stderr).toMatch(/FATAL: .*asked for md5 authentication.*require_auth=scram-sha-256/);
    const err = await pgFailure(p.url);
    expect(err.code).toBe('28000');
    expect(err.message).toMatch(/md5.*require_auth/);
    await stopAndExpectNoLeak(p, [passwordOf('md5')], [stderr, err.message]);
  });

  it('refuses a cleartext request from a SCRAM-only URL', async () => {
    const p = await startProxy(['--upstream', cluster.url({ user: 'cleartext', sslmode: 'require' }), '--allow-all']);
    const stderr = await psqlFails(p.url);
    expect(stderr).toMatch(/FATAL: .*asked for cleartext password authentication.*require_auth=scram-sha-256/);
    await stopAndExpectNoLeak(p, [passwordOf('cleartext')], [stderr]);
  });

  it('never sends a cleartext password without TLS, even when require_auth=password allows the method', async () => {
    const url = withParams(cluster.url({ user: 'cleartext', sslmode: 'disable' }), { require_auth: 'password' });
    const p = await startProxy(['--upstream', url, '--allow-all']);
    const stderr = await psqlFails(p.url);
    expect(stderr).toMatch(/FATAL: .*refusing to send a cleartext password .*without TLS/);
    const err = await pgFailure(p.url);
    expect(err.code).toBe('28000');
    await stopAndExpectNoLeak(p, [passwordOf('cleartext')], [stderr, err.message]);
  });
});

describe('upstream credential sources', () => {
  it('takes the password from the URL, and hides the URL from the process command line', async () => {
    const p = await startProxy(['--upstream', cluster.url({ sslmode: 'require' }), '--allow-all']);
    expect(await psqlOk(p.url, 'select current_user')).toBe(cluster.users.scram.user);
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });

  it('takes the password from --upstream-password-env', async () => {
    const url = withoutPassword(cluster.url({ sslmode: 'require' }));
    expect(url).not.toContain(passwordOf('scram'));
    const p = await startProxy(['--upstream', url, '--upstream-password-env', 'GH_TEST_UPSTREAM_PW', '--allow-all'], {
      GH_TEST_UPSTREAM_PW: passwordOf('scram'),
    });
    expect(await pgQuery(p.url, 'select current_user as u')).toEqual([{ u: cluster.users.scram.user }]);
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });

  it('takes the password from the first line of --upstream-password-file', async () => {
    const file = join(workDir, 'upstream-password');
    await writeFile(file, `${passwordOf('scram')}\nthis second line is ignored\n`, { mode: 0o600 });
    const url = withoutPassword(cluster.url({ sslmode: 'require' }));
    const p = await startProxy(['--upstream', url, '--upstream-password-file', file, '--allow-all']);
    expect(await psqlOk(p.url, 'select current_user')).toBe(cluster.users.scram.user);
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });

  it('refuses to start when the password is given twice, without printing it', async () => {
    const file = join(workDir, 'upstream-password-twice');
    await writeFile(file, `${passwordOf('scram')}\n`, { mode: 0o600 });
    const env = { GH_TEST_UPSTREAM_PW: passwordOf('scram'), GATEHOUSE_LOG_LEVEL: 'debug' };
    const attempts = [
      ['--upstream', cluster.url({ sslmode: 'require' }), '--upstream-password-env', 'GH_TEST_UPSTREAM_PW'],
      ['--upstream', cluster.url({ sslmode: 'require' }), '--upstream-password-file', file],
      ['--upstream', withoutPassword(cluster.url({ sslmode: 'require' })), '--upstream-password-env', 'GH_TEST_UPSTREAM_PW', '--upstream-password-file', file],
    ];
    const results = await Promise.all(attempts.map((args) => runGatehouse(['proxy', 'pg', ...args, '--allow-all'], { env })));
    for (const r of results) {
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/upstream password is given twice/);
      expect(r.stderr).not.toContain(passwordOf('scram'));
    }
  });

  it('a wrong upstream password is refused without the password showing anywhere', async () => {
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    const url = cluster.url({ sslmode: 'require' }).replace(encodeURIComponent(passwordOf('scram')), wrong);
    expect(url).toContain(wrong);
    const p = await startProxy(['--upstream', url, '--allow-all']);
    const stderr = await psqlFails(p.url);
    expect(stderr).toMatch(/FATAL: .*password authentication failed/);
    const err = await pgFailure(p.url);
    expect(err.code).toBe('28P01');
    await stopAndExpectNoLeak(p, [wrong, passwordOf('scram')], [stderr, err.message, JSON.stringify(err)]);
  });
});

describe('startup refusals and TLS towards clients', () => {
  it('refuses to start without --policy or --allow-all', async () => {
    const r = await runGatehouse(['proxy', 'pg', '--upstream', cluster.url({ sslmode: 'require' })]);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/refusing to start without a policy.*--policy.*--allow-all/);
    expect(r.stderr).not.toContain(passwordOf('scram'));
  });

  it('refuses to listen beyond loopback without TLS', async () => {
    const r = await runGatehouse(['proxy', 'pg', '--upstream', cluster.url({ sslmode: 'require' }), '--allow-all', '--listen', '0.0.0.0:0']);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without TLS/);
    expect(r.stderr).not.toContain(passwordOf('scram'));
  });

  it('serves TLS to clients with --tls-cert and --tls-key', async () => {
    const dir = join(workDir, 'local-tls');
    await mkdir(dir);
    const fixture = await createTlsFixture({ hostnames: ['localhost'], ips: ['127.0.0.1'], dir });
    const p = await startProxy([
      '--upstream', cluster.url({ sslmode: 'require' }), '--allow-all',
      '--tls-cert', fixture.serverCertFile, '--tls-key', fixture.serverKeyFile,
    ]);
    const verified = withParams(p.url, { sslmode: 'verify-full', sslrootcert: fixture.caCertFile });
    expect(await psqlOk(verified, '\\conninfo')).toMatch(/SSL connection \(protocol: TLS/);
    expect(await psqlOk(verified, 'select current_user')).toBe(cluster.users.scram.user);

    const client = new pg.Client({ connectionString: p.url, ssl: { ca: fixture.caCertPem } });
    client.on('error', () => undefined);
    try {
      await client.connect();
      expect(client.connection.stream).toBeInstanceOf(tls.TLSSocket);
      expect((client.connection.stream as tls.TLSSocket).encrypted).toBe(true);
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end().catch(() => undefined);
    }

    // The client really checks the proxy's certificate: a stray CA must fail verification.
    const stray = await createStrayCa(dir);
    const r = await psql(withParams(p.url, { sslmode: 'verify-full', sslrootcert: stray.caCertFile }), 'select 1');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/certificate verify failed/);
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });

  it("answers an SSLRequest with 'N' when it has no certificate", async () => {
    const p = await startProxy(['--upstream', cluster.url({ sslmode: 'require' }), '--allow-all']);
    const info = await psqlOk(withParams(p.url, { sslmode: 'prefer' }), '\\conninfo');
    expect(info).toMatch(/You are connected/);
    expect(info).not.toMatch(/SSL connection/);
    const r = await psql(withParams(p.url, { sslmode: 'require' }), 'select 1');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/server does not support SSL, but SSL was required/);
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });
});

describe('local authentication', () => {
  it('generates a long secret that differs on every start', async () => {
    const upstream = ['--upstream', cluster.url({ sslmode: 'require' }), '--allow-all'];
    const [a, b] = await Promise.all([startProxy(upstream), startProxy(upstream)]);
    const [secretA, secretB] = [localSecretOf(a), localSecretOf(b)];
    expect(secretA.length).toBeGreaterThanOrEqual(24);
    expect(secretB.length).toBeGreaterThanOrEqual(24);
    expect(secretA).not.toBe(secretB);
    // Each listener takes only its own secret.
    expect(await psqlOk(a.url, 'select 1')).toBe('1');
    const stderr = await psqlFails(alteredLocalUrl(a.url, { password: secretB }));
    expect(stderr).toMatch(/password authentication failed/);
    await Promise.all([stopAndExpectNoLeak(a, [passwordOf('scram')], [stderr]), stopAndExpectNoLeak(b, [passwordOf('scram')])]);
  });

  it('honours --local-password and refuses a wrong secret, a wrong user and a wrong database', async () => {
    const secret = `local-${randomBytes(9).toString('hex')}`;
    const p = await startProxy(['--upstream', cluster.url({ sslmode: 'require' }), '--allow-all', '--local-password', secret]);
    expect(localSecretOf(p)).toBe(secret);
    expect(await psqlOk(p.url, 'select current_user')).toBe(cluster.users.scram.user);

    const wrongSecret = alteredLocalUrl(p.url, { password: `${secret}-not` });
    expect(await psqlFails(wrongSecret)).toMatch(/FATAL: .*password authentication failed for user "gh_scram"/);
    expect((await pgFailure(wrongSecret)).code).toBe('28P01');

    const wrongUser = alteredLocalUrl(p.url, { user: 'someone_else' });
    expect(await psqlFails(wrongUser)).toMatch(/FATAL: .*password authentication failed for user "someone_else"/);
    expect((await pgFailure(wrongUser)).code).toBe('28P01');

    // A success between the failures keeps the rate limiter from locking the test out.
    expect(await psqlOk(p.url, 'select 2')).toBe('2');
    const wrongDatabase = alteredLocalUrl(p.url, { database: 'postgres' });
    expect(await psqlFails(wrongDatabase)).toMatch(/FATAL: .*database "postgres" is not available/);
    expect((await pgFailure(wrongDatabase)).code).toBe('3D000');
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });

  it('--local-auth password asks clients for a cleartext password and accepts the secret', async () => {
    const p = await startProxy(['--upstream', cluster.url({ sslmode: 'require' }), '--allow-all', '--local-auth', 'password']);
    expect(await psqlOk(p.url, 'select current_user')).toBe(cluster.users.scram.user);
    const requests: string[] = [];
    const client = new pg.Client(p.url);
    client.on('error', () => undefined);
    for (const name of ['authenticationSASL', 'authenticationMD5Password', 'authenticationCleartextPassword']) {
      client.connection.on(name, () => requests.push(name));
    }
    try {
      await client.connect();
      expect((await client.query('select 3 as n')).rows).toEqual([{ n: 3 }]);
    } finally {
      await client.end().catch(() => undefined);
    }
    expect(requests).toEqual(['authenticationCleartextPassword']);
    expect((await pgFailure(alteredLocalUrl(p.url, { password: 'not-the-secret-at-all' }))).code).toBe('28P01');
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });

  it("answers a GSSENCRequest with 'N' and carries on with the same connection", async () => {
    const p = await startProxy(['--upstream', cluster.url({ sslmode: 'require' }), '--allow-all']);
    // libpq only sends GSSENCRequest when it holds a Kerberos ticket, so psql alone proves little here.
    expect(await psqlOk(withParams(p.url, { gssencmode: 'prefer' }), 'select 4')).toBe('4');

    const socket = net.connect({ host: '127.0.0.1', port: p.port });
    try {
      await once(socket, 'connect');
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(GSSENC_REQUEST_CODE, 4);
      socket.write(request);
      const [answer] = (await once(socket, 'data')) as [Buffer];
      expect(answer.toString('latin1')).toBe('N');
      socket.write(serialize.startup({ user: cluster.users.scram.user, database: cluster.database }));
      const [reply] = (await once(socket, 'data')) as [Buffer];
      // 'R' with code 10 is AuthenticationSASL: the handshake went on after the refusal.
      expect(String.fromCharCode(reply[0]!)).toBe('R');
      expect(reply.readInt32BE(5)).toBe(10);
      expect(reply.subarray(9).toString('utf8')).toContain('SCRAM-SHA-256');
    } finally {
      socket.destroy();
    }
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });
});

describe('concurrent clients', () => {
  it('keeps two interleaved sessions through one proxy apart', async () => {
    const p = await startProxy(['--upstream', cluster.url({ sslmode: 'require' }), '--allow-all']);
    const clients = [new pg.Client(p.url), new pg.Client(p.url)] as const;
    try {
      for (const c of clients) c.on('error', () => undefined);
      await Promise.all(clients.map((c) => c.connect()));
      await Promise.all(clients.map((c, i) => c.query(`create temp table mine as select ${i} as owner, pg_backend_pid() as pid`)));

      interface Seen {
        pid: number;
        n: number;
        lo: number;
        hi: number;
      }
      const rounds = 25;
      // Both sessions run at once, so their messages interleave on the proxy; each waits for its own answers.
      const runSession = async (c: pg.Client, owner: number): Promise<Seen[]> => {
        const seen: Seen[] = [];
        for (let r = 0; r < rounds; r++) {
          await c.query('insert into mine values ($1, pg_backend_pid())', [owner]);
          const res = await c.query<Seen>('select pg_backend_pid() as pid, count(*)::int as n, min(owner) as lo, max(owner) as hi from mine');
          seen.push(res.rows[0]!);
        }
        return seen;
      };
      const settled = await Promise.all(clients.map((c, i) => runSession(c, i)));
      const pids = settled.map((seen) => [...new Set(seen.map((s) => s.pid))]);
      expect(pids.map((list) => list.length)).toEqual([1, 1]);
      expect(pids[0]![0]).not.toBe(pids[1]![0]);
      settled.forEach((seen, i) => {
        expect(seen.map((s) => s.n)).toEqual(Array.from({ length: rounds }, (_, r) => r + 2));
        for (const s of seen) expect([s.lo, s.hi]).toEqual([i, i]);
      });
      const stored = await Promise.all(clients.map((c) => c.query('select distinct pid from mine')));
      stored.forEach((res, i) => expect(res.rows).toEqual([{ pid: pids[i]![0] }]));
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
    await stopAndExpectNoLeak(p, [passwordOf('scram')]);
  });
});

// Last in the file: it turns the shared cluster's TLS off for a moment, and back on.
describe('an upstream server without TLS', () => {
  async function setServerSsl(sql: string, expected: 'on' | 'off'): Promise<void> {
    const changed = await cluster.psql(`${sql};\nselect pg_reload_conf();`, { user: 'super' });
    expect(changed.code, changed.stderr).toBe(0);
    // The postmaster applies the reload asynchronously; new sessions see it once it has.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const shown = await cluster.psql('show ssl', { user: 'super' });
      if (shown.stdout.trim() === expected) return;
      if (Date.now() > deadline) throw new Error(`ssl did not become ${expected}: ${shown.stdout}${shown.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('sslmode=require refuses it, sslmode=prefer falls back to plain TCP', async () => {
    await setServerSsl('alter system set ssl = off', 'off');
    try {
      const strict = await startProxy(['--upstream', cluster.url({ sslmode: 'require' }), '--allow-all']);
      const stderr = await psqlFails(strict.url);
      expect(stderr).toMatch(/FATAL: .*does not support TLS, but sslmode=require requires it/);
      await stopAndExpectNoLeak(strict, [passwordOf('scram')], [stderr]);

      const lenient = await startProxy(['--upstream', withParams(cluster.url({}), { sslmode: 'prefer' }), '--allow-all']);
      expect(await pgQuery<{ ssl: boolean }>(lenient.url, SSL_SQL)).toEqual([{ ssl: false }]);
      await stopAndExpectNoLeak(lenient, [passwordOf('scram')]);
    } finally {
      await setServerSsl('alter system reset ssl', 'on');
    }
  });
});
