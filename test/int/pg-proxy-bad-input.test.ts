import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageBuilder } from '../../broker/pg/protocol/message-builder.ts';
import { decodeNoticeFields } from '../../broker/pg/protocol/backend-decoders.ts';
import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.ts';
import { runGatehouse, startGatehouseProxy, type RunningProxy } from '../support/gatehouse-proxy.ts';
import { credentialsOf, RawPgConnection, ServerError } from '../support/raw-pg-client.ts';
import { FAKE_RUN_EMAILS, FakeQuery, startFakeUpstream, type FakeUpstream } from '../support/fake-pg-upstream.ts';
import { createTlsFixture, type TlsFixture } from '../support/tls-fixtures.ts';

/**
 * Bad input gets a clear error and loses nothing; the proxy keeps serving every other
 * connection and never crashes. Every case runs against the real CLI process, with a real
 * PostgreSQL behind it (or a deliberately broken fake server for upstream misbehaviour).
 */

const MAX_MESSAGE_BYTES = 1024 * 1024;

let cluster: PostgresCluster;
let admin: pg.Client;
let fake: FakeUpstream;
let proxy: RunningProxy;
let fakeProxy: RunningProxy;
/** In front of the fake server with a policy whose detectors scan every value. */
let maskingFakeProxy: RunningProxy;
let workDir: string;
let capProxy: RunningProxy;
let limitProxy: RunningProxy;
let tlsProxy: RunningProxy;
let clientTls: TlsFixture;
/** A session opened before any bad input and used again after all of it. */
let bystander: RawPgConnection;

beforeAll(async () => {
  [cluster, fake, clientTls] = await Promise.all([
    startPostgresCluster(),
    startFakeUpstream(),
    createTlsFixture({ hostnames: ['localhost'], ips: ['127.0.0.1'] }),
  ]);
  admin = new pg.Client(cluster.url({ user: 'super', sslmode: 'disable' }));
  await admin.connect();
  const upstream = cluster.url({ sslmode: 'require' });
  const fakeUpstream = `postgres://fake@127.0.0.1:${fake.port}/fake?sslmode=disable&require_auth=none`;
  workDir = await mkdtemp(join(tmpdir(), 'gh-bad-input-'));
  const scanningPolicy = join(workDir, 'scan-all.yaml');
  await writeFile(scanningPolicy, 'version: 1\nconnection: fake\ndefault: allow\nmasking:\n  detectors: [email]\n  scan: all\n');
  [proxy, fakeProxy, capProxy, limitProxy, tlsProxy, maskingFakeProxy] = await Promise.all([
    startGatehouseProxy(['--upstream', upstream, '--allow-all', '--max-message-bytes', String(MAX_MESSAGE_BYTES)]),
    startGatehouseProxy(['--upstream', fakeUpstream, '--allow-all']),
    startGatehouseProxy(['--upstream', upstream, '--allow-all', '--max-connections', '2']),
    startGatehouseProxy(['--upstream', upstream, '--allow-all']),
    startGatehouseProxy(['--upstream', upstream, '--allow-all', '--tls-cert', clientTls.serverCertFile, '--tls-key', clientTls.serverKeyFile]),
    startGatehouseProxy(['--upstream', fakeUpstream, '--policy', scanningPolicy, '--audit-spool', join(workDir, 'spool')]),
  ]);
  bystander = await login(proxy, 'bad-input bystander');
  await bystander.query('begin; create temp table kept (v int); insert into kept values (1)');
});

afterAll(async () => {
  bystander?.destroy();
  await Promise.all([proxy, fakeProxy, capProxy, limitProxy, tlsProxy, maskingFakeProxy].map((p) => p?.stop()));
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  await admin?.end().catch(() => undefined);
  await fake?.close();
  await cluster?.stop();
});

function login(p: RunningProxy, applicationName?: string, password?: string): Promise<RawPgConnection> {
  const c = credentialsOf(p.url);
  return RawPgConnection.login(p.port, { ...c, password: password ?? c.password, ...(applicationName === undefined ? {} : { applicationName }) });
}

async function connect(p: RunningProxy): Promise<RawPgConnection> {
  return RawPgConnection.connect(p.port);
}

/** The connection must end with exactly one FATAL ErrorResponse carrying `code`, then close. */
async function expectFatal(conn: RawPgConnection, code: string, message: RegExp): Promise<string[]> {
  const { fields, before } = await conn.nextError();
  expect({ severity: fields.get('S'), code: fields.get('C') }).toEqual({ severity: 'FATAL', code });
  expect(fields.get('M')).toMatch(message);
  await conn.expectClosed();
  expect(conn.drained).toBe(true);
  return before;
}

async function backendsNamed(applicationName: string): Promise<number> {
  const r = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where application_name = $1', [applicationName]);
  return r.rows[0]!.n;
}

async function expectBackendGone(applicationName: string, withinMs = 2_500): Promise<void> {
  const deadline = Date.now() + withinMs;
  while ((await backendsNamed(applicationName)) > 0) {
    if (Date.now() > deadline) throw new Error(`an upstream backend for "${applicationName}" is still there after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function isAlive(p: RunningProxy): boolean {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return false;
  try {
    process.kill(p.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pino levels 50 and 60 are error and fatal: an internal failure, never a client's mistake. */
function internalErrors(p: RunningProxy): string[] {
  return p.stderr().split('\n').filter((line) => /"level":(50|60)\b/.test(line));
}

describe('--max-message-bytes', () => {
  it.each(['65535', 'lots'])('refuses %s at startup instead of running with a useless limit', async (value) => {
    const r = await runGatehouse(['proxy', 'pg', '--upstream', cluster.url(), '--allow-all', '--max-message-bytes', value]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--max-message-bytes must be an integer of at least 65536 (got "${value}")`);
  });
});

describe('bad input before the startup packet', () => {
  it('answers an HTTP request with FATAL 08P01 and closes', async () => {
    const conn = await connect(proxy);
    conn.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await expectFatal(conn, '08P01', /invalid startup packet length/);
  });

  it.each([3, 7, 10_001, 2 ** 31, 2 ** 32 - 1])('answers startup length %i with FATAL 08P01 and closes', async (length) => {
    const conn = await connect(proxy);
    const packet = Buffer.alloc(8);
    packet.writeUInt32BE(length, 0);
    conn.write(packet);
    await expectFatal(conn, '08P01', new RegExp(`invalid startup packet length ${length}`));
  });

  it('answers an unsupported protocol version with FATAL 0A000', async () => {
    const conn = await connect(proxy);
    const packet = Buffer.concat([Buffer.from([0, 0, 0, 17, 0, 2, 0, 0]), Buffer.from('user\0ana\0\0')]);
    conn.write(packet);
    await expectFatal(conn, '0A000', /unsupported frontend protocol 2\.0/);
  });
});

describe('bad input during authentication', () => {
  async function startLogin(): Promise<RawPgConnection> {
    const conn = await connect(proxy);
    const { user, database } = credentialsOf(proxy.url);
    conn.write(serialize.startup({ user, database }));
    expect((await conn.next()).type).toBe('R');
    return conn;
  }

  it('a password message over the handshake limit gets FATAL 54000', async () => {
    const conn = await startLogin();
    conn.write(Buffer.from([0x70, 0x40, 0, 0, 0]));
    await expectFatal(conn, '54000', /over the 65536-byte limit/);
  });

  it('a query instead of a password gets FATAL 08P01', async () => {
    const conn = await startLogin();
    conn.write(serialize.query('select 1'));
    await expectFatal(conn, '08P01', /expected a password response, got message type 'Q'/);
  });
});

describe('bad input after a successful login', () => {
  const bindWithImpossibleCount = new MessageBuilder().cstring('').cstring('').int16(0).int16(1000).int16(0).build(0x42);
  const oversizedHeader = Buffer.from([0x51, 0, 0, 0, 0]);
  oversizedHeader.writeUInt32BE(2 * MAX_MESSAGE_BYTES, 1);

  it.each([
    { name: 'a frame with length word 2', bytes: Buffer.from([0x51, 0, 0, 0, 2, 0x41, 0x42]), code: '08P01', message: /invalid message length 2/ },
    {
      name: 'a frame over the size limit',
      bytes: Buffer.concat([oversizedHeader, Buffer.alloc(64 * 1024, 0x78)]),
      code: '54000',
      message: new RegExp(`over the ${MAX_MESSAGE_BYTES}-byte limit`),
    },
    { name: 'an unknown message type', bytes: Buffer.from([0x5a, 0, 0, 0, 4]), code: '08P01', message: /unknown frontend message type 0x5a/ },
    { name: 'a Bind whose parameter count cannot fit', bytes: bindWithImpossibleCount, code: '08P01', message: /count 1000 exceeds message size/ },
  ])('$name ends the session with FATAL $code and its upstream backend goes away', async ({ name, bytes, code, message }) => {
    const applicationName = `bad-input ${name}`;
    const conn = await login(proxy, applicationName);
    expect(await conn.query('select 41 + 1')).toEqual([['42']]);
    expect(await backendsNamed(applicationName)).toBe(1);
    conn.write(bytes);
    expect(await expectFatal(conn, code, message)).toEqual([]);
    await expectBackendGone(applicationName);
  });

  it('a client that vanishes mid-message leaves no upstream backend behind', async () => {
    const applicationName = 'bad-input vanishing client';
    const conn = await login(proxy, applicationName);
    expect(await conn.query('select 1')).toEqual([['1']]);
    expect(await backendsNamed(applicationName)).toBe(1);
    const query = serialize.query('select pg_sleep(0)');
    conn.write(query.subarray(0, Math.floor(query.length / 2)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    conn.destroy();
    await expectBackendGone(applicationName);
    expect(isAlive(proxy)).toBe(true);
  });

  it('a client that vanishes during the handshake is forgotten', async () => {
    const conn = await connect(proxy);
    const startup = serialize.startup({ user: credentialsOf(proxy.url).user, database: 'x' });
    conn.write(startup.subarray(0, 10));
    conn.destroy();
    await conn.closed;
    const second = await connect(proxy);
    second.write(startup);
    // The proxy still answers new clients: here with its authentication request.
    expect((await second.next()).type).toBe('R');
    second.destroy();
  });
});

describe('an upstream that misbehaves', () => {
  it('cut off mid-DataRow: the client gets FATAL 08006 and never half a row', async () => {
    const conn = await login(fakeProxy);
    expect(await conn.query(FakeQuery.selectOne)).toEqual([['1']]);
    conn.write(serialize.query(FakeQuery.halfRow));
    expect(await expectFatal(conn, '08006', /upstream server closed the connection/)).toEqual(['T']);
    await fake.waitForNoConnections(2_000);
  });

  it('a malformed frame: the client gets FATAL naming malformed upstream data, and the upstream is hung up on', async () => {
    const conn = await login(fakeProxy);
    expect(fake.openConnections).toBe(1);
    conn.write(serialize.query(FakeQuery.badFrame));
    expect(await expectFatal(conn, '08P01', /upstream server sent malformed data: invalid message length 2/)).toEqual([]);
    await fake.waitForNoConnections(2_000);
  });

  it('a malformed row among masked rows: FATAL naming it, and no value of the run leaves unmasked', async () => {
    const conn = await login(maskingFakeProxy);
    conn.write(serialize.query(FakeQuery.badRowInRun));
    const received: Buffer[] = [];
    const types: string[] = [];
    for (;;) {
      const m = await conn.next();
      if (m.type === 'E') {
        const fields = decodeNoticeFields(m.payload);
        expect({ severity: fields.get('S'), code: fields.get('C') }).toEqual({ severity: 'FATAL', code: '08P01' });
        expect(fields.get('M')).toMatch(/upstream server sent malformed data: DataRow: /);
        break;
      }
      received.push(m.payload);
      types.push(m.type);
    }
    await conn.expectClosed();
    // The rows come in one write, so the proxy takes them as one run: a run half rewritten in
    // place is neither sent nor read again row by row.
    expect(types).toEqual(['T']);
    const text = Buffer.concat(received).toString('latin1');
    for (const email of FAKE_RUN_EMAILS) expect(text).not.toContain(email);
    expect(internalErrors(maskingFakeProxy)).toEqual([]);
    await fake.waitForNoConnections(2_000);
  });

  it('the proxy keeps serving other clients of the same upstream', async () => {
    const conn = await login(fakeProxy);
    expect(await conn.query(FakeQuery.selectOne)).toEqual([['1']]);
    await conn.terminate();
    expect(isAlive(fakeProxy)).toBe(true);
    expect(internalErrors(fakeProxy)).toEqual([]);
  });
});

describe('refusals to a client on TLS', () => {
  async function connectOverTls(change: (u: URL) => void): Promise<unknown> {
    const u = new URL(tlsProxy.url);
    change(u);
    const client = new pg.Client({ connectionString: u.toString(), ssl: { ca: clientTls.caCertPem } });
    try {
      await client.connect();
      return (await client.query<{ ok: number }>('select 1 as ok')).rows;
    } catch (e) {
      return e;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  it('arrive encrypted, as a readable FATAL error rather than a TLS failure', async () => {
    expect(await connectOverTls((u) => (u.password = 'not-the-secret-at-all'))).toMatchObject({
      severity: 'FATAL',
      code: '28P01',
      message: expect.stringMatching(/password authentication failed/),
    });
    expect(await connectOverTls((u) => (u.pathname = '/elsewhere'))).toMatchObject({ severity: 'FATAL', code: '3D000' });
    expect(await connectOverTls(() => undefined)).toEqual([{ ok: 1 }]);
  });
});

describe('connection limit', () => {
  it('refuses the third client with FATAL 53300 and admits a new one once a slot frees', async () => {
    const first = await login(capProxy);
    const second = await login(capProxy);
    const third = await connect(capProxy);
    await expectFatal(third, '53300', /too many clients already \(limit 2\)/);
    expect(await second.query('select 2')).toEqual([['2']]);
    await first.terminate();
    const deadline = Date.now() + 3_000;
    let fourth: RawPgConnection | null = null;
    while (fourth === null) {
      try {
        fourth = await login(capProxy);
      } catch (e) {
        if (!(e instanceof ServerError) || e.sqlstate !== '53300' || Date.now() > deadline) throw e;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(await fourth.query('select 4')).toEqual([['4']]);
    await Promise.all([second.terminate(), fourth.terminate()]);
  });
});

describe('authentication rate limit', () => {
  it('after 5 wrong secrets refuses even the right one, until the lockout passes', async () => {
    for (let i = 0; i < 5; i++) {
      await expect(login(limitProxy, undefined, `wrong-secret-${i}`)).rejects.toMatchObject({
        sqlstate: '28P01',
        message: expect.stringMatching(/password authentication failed/),
      });
    }
    const refused = await login(limitProxy).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ServerError);
    expect((refused as ServerError).fields.get('S')).toBe('FATAL');
    expect((refused as ServerError).sqlstate).toBe('28P01');
    expect((refused as ServerError).message).toMatch(/too many failed authentication attempts; retry in \d+ s/);

    const deadline = Date.now() + 5_000;
    let admitted: RawPgConnection | null = null;
    while (admitted === null) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      try {
        admitted = await login(limitProxy);
      } catch (e) {
        if (!(e instanceof ServerError) || !/too many failed/.test(e.message) || Date.now() > deadline) throw e;
      }
    }
    expect(await admitted.query('select 1')).toEqual([['1']]);
    await admitted.terminate();
  });
});

describe('after all of the above', () => {
  it('a session opened before all of it still has its open transaction', async () => {
    expect(await bystander.query('insert into kept values (2); select v from kept order by v')).toEqual([['1'], ['2']]);
    expect(await bystander.query('commit')).toEqual([]);
  });

  it('every proxy is alive, logged no internal error, and serves node-postgres normally', async () => {
    for (const p of [proxy, fakeProxy, capProxy, limitProxy, tlsProxy]) {
      expect(isAlive(p)).toBe(true);
      expect(internalErrors(p)).toEqual([]);
    }
    const client = new pg.Client(proxy.url);
    await client.connect();
    try {
      expect((await client.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });
});
