import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAuditEventId } from '../../shared/audit/audit-event.ts';
import { appendAuditRecords, verifyAuditChain } from '../../server/audit/audit-chain.ts';
import type { AuditRecordInput } from '../../server/audit/audit-chain.ts';
import type { Database } from '../../server/store/database.ts';
import { loadMigrations, migrate } from '../../server/store/migrate.ts';
import { openPgliteDatabase } from '../../server/store/pglite-database.ts';
import { openPostgresDatabase } from '../../server/store/postgres-database.ts';
import { runGatehouse } from '../support/gatehouse-proxy.ts';
import { startPostgresCluster } from '../support/postgres-cluster.ts';
import type { PostgresCluster } from '../support/postgres-cluster.ts';
import { startServerProcess } from '../support/server-process.ts';
import { createTlsFixture } from '../support/tls-fixtures.ts';
import type { RunningServerProcess } from '../support/server-process.ts';

/** A complete, secure configuration whose IdP is never contacted (no test here presents a token to it). */
const SERVER_ENV = {
  GATEHOUSE_IDP_ISSUER: 'https://idp.invalid',
  GATEHOUSE_SECRETS_KEY: randomBytes(32).toString('hex'),
  GATEHOUSE_ADMIN_GROUPS: 'admins',
  GATEHOUSE_APPROVER_GROUPS: 'approvers',
  GATEHOUSE_AUDITOR_GROUPS: 'auditors',
};

const MIGRATIONS_APPLIED = '"msg":"database migrations applied"';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What every server must serve, whatever its database. */
async function expectFoundationEndpoints(url: string): Promise<void> {
  const health = await fetch(`${url}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });

  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready' });

  const me = await fetch(`${url}/v1/me`);
  expect(me.status).toBe(401);
  expect(await me.json()).toEqual({ error: 'unauthorized' });

  const metrics = await fetch(`${url}/metrics`);
  expect(metrics.status).toBe(200);
  const text = await metrics.text();
  expect(text).toMatch(/process_resident_memory_bytes/);
  expect(text).toMatch(/gatehouse_http_request_duration_seconds_count\{method="GET",route="\/v1\/me",status_code="401"\} 1/);

  const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
  expect(openapi.openapi).toBe('3.1.0');
  expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/me', '/healthz', '/readyz']));
}

function auditRecord(): AuditRecordInput {
  const id = newAuditEventId();
  return {
    id,
    time: new Date().toISOString(),
    source: 'server',
    kind: 'test',
    actor: 'int-test',
    actorMachine: true,
    connection: null,
    statementClass: null,
    decision: null,
    text: 'integration',
    event: { id },
  };
}

describe('gatehouse server on embedded PGlite', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-server-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the foundation endpoints and records each migration once across restarts', async () => {
    const dataDir = join(dir, 'one');
    const first = await startServerProcess(['--listen', '127.0.0.1:0', '--data-dir', dataDir], SERVER_ENV);
    try {
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.stderr()).toContain(MIGRATIONS_APPLIED);
      await expectFoundationEndpoints(first.url);
      // The embedded database belongs to one process.
      const second = await runGatehouse(['server', '--listen', '127.0.0.1:0', '--data-dir', dataDir], { env: SERVER_ENV, timeoutMs: 60_000 });
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/in use by another gatehouse server \(pid \d+\)/);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const restarted = await startServerProcess(['--listen', '127.0.0.1:0', '--data-dir', dataDir], SERVER_ENV);
    expect(restarted.stderr()).not.toContain(MIGRATIONS_APPLIED);
    expect(restarted.stderr()).toContain('database schema is current');
    expect(await restarted.stop()).toBe(0);

    const db = await openPgliteDatabase({ dataDir: join(dataDir, 'pglite') });
    try {
      const shipped = await loadMigrations();
      const recorded = await db.query<{ version: number; name: string }>('select version, name from schema_migrations order by version');
      expect(recorded).toEqual(shipped.map((m) => ({ version: m.version, name: m.name })));
      await db.transaction((tx) => appendAuditRecords(tx, [auditRecord()]));
      await expect(db.query("update audit_log set text = 'changed'")).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/append-only/) });
      await expect(db.query('delete from audit_log')).rejects.toMatchObject({ code: '42501' });
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 1 });
    } finally {
      await db.close();
    }
  });

  it('serves HTTPS with the configured certificate', async () => {
    const tls = await createTlsFixture({ hostnames: ['localhost'], ips: ['127.0.0.1'], dir: await mkdtemp(join(dir, 'tls-')) });
    const server = await startServerProcess(
      ['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'tls'), '--tls-cert', tls.serverCertFile, '--tls-key', tls.serverKeyFile],
      SERVER_ENV,
    );
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get(`${server.url}/healthz`, { ca: tls.caCertPem }, (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (d: string) => (text += d));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      expect(JSON.parse(body)).toEqual({ status: 'ok' });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('refuses to start with an insecure configuration and says why', async () => {
    const result = await runGatehouse(['server', '--listen', '0.0.0.0:0', '--data-dir', join(dir, 'never')], { env: SERVER_ENV, timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refusing to start/);
    expect(result.stderr).toMatch(/without TLS would expose bearer tokens/);
    expect(result.stdout).toBe('');
  });

  it('with --dev-idp, a token from the dev IdP is accepted on /v1/me', async () => {
    const server = await startServerProcess(['--dev-idp', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'dev')], {});
    try {
      const devIdp = server.ready.devIdp!;
      expect(devIdp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { clientId, clientSecret } = devIdp.machineClient;
      const tokenResponse = await fetch(`${devIdp.issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'urn:gatehouse', scope: 'gatehouse' }),
      });
      expect(tokenResponse.status).toBe(200);
      const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
      const me = await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ subject: clientId, machine: true, roles: ['analyst'] });
      expect(server.stderr()).not.toContain(token);
      expect(server.stderr()).toMatch(/DEV MODE/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('gatehouse server on PostgreSQL', () => {
  let cluster: PostgresCluster;
  let url: string;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
    url = cluster.url({ user: 'super' });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('two servers started at once apply the migrations exactly once and both serve', async () => {
    const env = { ...SERVER_ENV, GATEHOUSE_DATABASE: url };
    let servers: RunningServerProcess[] = [];
    try {
      servers = await Promise.all([startServerProcess(['--listen', '127.0.0.1:0'], env), startServerProcess(['--listen', '127.0.0.1:0'], env)]);
      expect(servers.filter((s) => s.stderr().includes(MIGRATIONS_APPLIED))).toHaveLength(1);
      for (const server of servers) {
        await expectFoundationEndpoints(server.url);
        // The database URL carries a password: it must not be logged.
        expect(server.stderr()).not.toContain(cluster.users.super.password);
      }
    } finally {
      for (const server of servers) expect(await server.stop()).toBe(0);
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const shipped = await loadMigrations();
      const { rows } = await client.query<{ version: number; name: string }>('select version, name from schema_migrations order by version');
      expect(rows).toEqual(shipped.map((m) => ({ version: m.version, name: m.name })));
    } finally {
      await client.end();
    }
  });

  it('the append-only trigger refuses UPDATE and DELETE on audit_log unless retention is on', async () => {
    const db = await openPostgresDatabase({ url });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migrate(db);
      await db.transaction((tx) => appendAuditRecords(tx, [auditRecord()]));
      await expect(client.query("update audit_log set text = 'changed'")).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/audit_log is append-only: UPDATE refused/) });
      await expect(client.query('delete from audit_log')).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/DELETE refused/) });
      await expect(client.query('truncate audit_log')).rejects.toMatchObject({ code: '42501' });
      await client.query('begin');
      await client.query("set local gatehouse.retention = 'on'");
      const updated = await client.query("update audit_log set text = 'changed by retention'");
      expect(updated.rowCount).toBeGreaterThan(0);
      await client.query('rollback');
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
    } finally {
      await client.end();
      await db.close();
    }
  });

  describe('Database on PostgreSQL (two replicas)', () => {
    let a: Database;
    let b: Database;
    beforeAll(async () => {
      a = await openPostgresDatabase({ url });
      b = await openPostgresDatabase({ url });
      await migrate(a);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    it('returns the same JS types as the PGlite backend', async () => {
      const [row] = await a.query<{ big: unknown; bytes: unknown; at: unknown; doc: unknown; list: unknown }>(
        "select 42::bigint as big, '\\x0102ff'::bytea as bytes, now() as at, $1::jsonb as doc, $2::text[] as list",
        [JSON.stringify({ a: [1, 2] }), ['x', 'y']],
      );
      expect(row).toEqual({ big: 42, bytes: Buffer.from([1, 2, 255]), at: expect.any(Date), doc: { a: [1, 2] }, list: ['x', 'y'] });
    });

    it('a notification from one replica reaches the other, also after its LISTEN connection is killed', async () => {
      const got: string[] = [];
      let reconnected!: () => void;
      const reconnectedOnce = new Promise<void>((resolve) => (reconnected = resolve));
      const stop = await b.listen('gh_events', (payload) => got.push(payload), { onReconnect: () => reconnected() });
      await a.notify('gh_events', 'one');
      await within(5_000, 'first notification', (async () => { while (got.length < 1) await sleep(10); })());

      await a.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'gatehouse-server-listen'");
      await within(10_000, 'the LISTEN connection to come back', reconnectedOnce);
      await a.transaction(async (tx) => {
        await tx.query("select pg_notify('gh_events', 'two')");
      });
      await within(5_000, 'notification after reconnect', (async () => { while (got.length < 2) await sleep(10); })());
      await stop();
      await a.notify('gh_events', 'three');
      await sleep(200);
      expect(got).toEqual(['one', 'two']);
    });

    it('an advisory lock is held by one replica at a time, and lost when its connection dies', async () => {
      const key = 4242;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const isHolding = new Promise<void>((resolve) => (holding = resolve));
      const first = a.tryAdvisoryLock(key, async () => {
        holding();
        await released;
        return 'a';
      });
      await isHolding;
      expect(await b.tryAdvisoryLock(key, async () => 'b')).toEqual({ acquired: false });
      release();
      expect(await first).toEqual({ acquired: true, value: 'a' });
      expect(await b.tryAdvisoryLock(key, async () => 'b')).toEqual({ acquired: true, value: 'b' });

      // The holder's connection dies: it is told, and the other replica can take over.
      let lostSeen = false;
      const doomed = a.tryAdvisoryLock(key, async (lost) => {
        holding();
        await within(10_000, 'the lost signal', new Promise<void>((resolve) => lost.addEventListener('abort', () => resolve())));
        lostSeen = true;
        return 'a2';
      });
      await sleep(50);
      await b.query("select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = $1 and granted", [key]);
      expect(await doomed).toEqual({ acquired: true, value: 'a2' });
      expect(lostSeen).toBe(true);
      expect(await b.tryAdvisoryLock(key, async () => 'b2')).toEqual({ acquired: true, value: 'b2' });
    });

    it('concurrent appends from two replicas form one unbroken chain', async () => {
      const before = (await a.query<{ n: number }>('select count(*)::int as n from audit_log'))[0]!.n;
      const batches = (db: Database): Promise<unknown>[] =>
        Array.from({ length: 8 }, () => db.transaction((tx) => appendAuditRecords(tx, Array.from({ length: 25 }, auditRecord))));
      await Promise.all([...batches(a), ...batches(b)]);
      const [{ n, max }] = (await a.query<{ n: number; max: number }>('select count(*)::int as n, max(seq) as max from audit_log')) as [{ n: number; max: number }];
      expect(n).toBe(before + 400);
      expect(max).toBe(n);
      expect(await verifyAuditChain(b, { pageSize: 64 })).toEqual({ ok: true, checked: n, firstBroken: null });
    });
  });
});
