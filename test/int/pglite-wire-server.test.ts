import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogClient } from '../../broker/pg/upstream/catalog-client.ts';
import type { UpstreamConfig } from '../../broker/pg/upstream/upstream-config.ts';
import { startPgliteWireServer } from '../../bin/demo/pglite-wire-server.ts';
import type { PgliteWireServer } from '../../bin/demo/pglite-wire-server.ts';
import { runPsql } from '../support/psql.ts';

/*
 * The PGlite wire server the demo uses without PostgreSQL, driven by real clients: node-postgres
 * (simple and extended query) and psql, several connections at once on PGlite's one backend.
 */

const USER = 'app';
const DATABASE = 'appdb';
const PASSWORD = randomBytes(12).toString('base64url');

let db: PGlite;
let server: PgliteWireServer;
const clients: pg.Client[] = [];
const logLines: string[] = [];

async function connect(overrides: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: USER, database: DATABASE, password: PASSWORD, ...overrides });
  client.on('error', () => undefined);
  clients.push(client);
  await client.connect();
  return client;
}

function url(password = PASSWORD, database = DATABASE): string {
  return `postgresql://${USER}:${password}@127.0.0.1:${server.port}/${database}`;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string | undefined; message: string; hint?: string | undefined }> {
  try {
    await promise;
  } catch (e) {
    const error = e as pg.DatabaseError;
    return { code: error.code, message: error.message, hint: error.hint };
  }
  throw new Error('expected the query to fail');
}

beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
  server = await startPgliteWireServer({ db, user: USER, database: DATABASE, password: PASSWORD, log: (line) => logLines.push(line) });
});

afterAll(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  await server?.stop();
  await db?.close();
});

describe('PGlite wire server', () => {
  it('speaks simple and extended query to node-postgres, and an error leaves the session usable', async () => {
    const client = await connect();
    const simple = (await client.query('select 1 as one; select 2 as two')) as unknown as pg.QueryResult[];
    expect(simple.map((result) => result.rows)).toEqual([[{ one: 1 }], [{ two: 2 }]]);
    expect((await client.query('select $1::int + 1 as n, $2::text as t', [41, 'x'])).rows).toEqual([{ n: 42, t: 'x' }]);

    await client.query('create table items (id int primary key, name text not null)');
    await client.query('insert into items values ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
    expect(await failure(client.query('select nosuch from items'))).toMatchObject({ code: '42703' });
    expect(await failure(client.query('select $1::int', ['not a number']))).toMatchObject({ code: '22P02' });
    expect(await failure(client.query('insert into items values (1, $1)', ['dup']))).toMatchObject({ code: '23505' });
    expect((await client.query('select id, name from items order by id')).rows).toEqual([{ id: 1, name: 'one' }, { id: 2, name: 'two' }]);

    // An error inside a transaction aborts it, as in PostgreSQL; ROLLBACK brings the session back.
    await client.query('begin');
    expect(await failure(client.query('select 1/0'))).toMatchObject({ code: '22012' });
    expect(await failure(client.query('select 1'))).toMatchObject({ code: '25P02' });
    await client.query('rollback');
    expect((await client.query('select count(*)::int as n from items')).rows).toEqual([{ n: 2 }]);
  });

  it('tells clients the server settings they rely on, and refuses TLS, wrong passwords and other databases', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: USER, database: DATABASE, password: PASSWORD });
    clients.push(client);
    const parameters: Record<string, string> = {};
    const connection = (client as unknown as { connection: { on(event: 'parameterStatus', listener: (m: { parameterName: string; parameterValue: string }) => void): void } }).connection;
    connection.on('parameterStatus', (m) => (parameters[m.parameterName] = m.parameterValue));
    await client.connect();
    expect(parameters).toMatchObject({ server_encoding: 'UTF8', client_encoding: 'UTF8', standard_conforming_strings: 'on', integer_datetimes: 'on', TimeZone: 'UTC' });
    expect(parameters['DateStyle']).toMatch(/^ISO/);
    expect(parameters['server_version']).toMatch(/^\d+\.\d+/);

    const tls = await runPsql(`${url()}?sslmode=require`, ['-c', 'select 1']);
    expect(tls.code).not.toBe(0);
    expect(tls.stderr).toMatch(/server does not support SSL/);
    const wrongPassword = await runPsql(url('wrong'), ['-c', 'select 1']);
    expect(wrongPassword.code).not.toBe(0);
    expect(wrongPassword.stderr).toMatch(/password authentication failed for user "app"/);
    const wrongDatabase = await runPsql(url(PASSWORD, 'other'), ['-c', 'select 1']);
    expect(wrongDatabase.code).not.toBe(0);
    expect(wrongDatabase.stderr).toMatch(/database "other"/);
  });

  it("takes the broker's upstream side: SCRAM without TLS, and node-postgres's repeated client_encoding", async () => {
    const upstream: UpstreamConfig = {
      host: '127.0.0.1',
      port: server.port,
      user: USER,
      database: DATABASE,
      sslMode: 'disable',
      caPem: null,
      allowedAuth: new Set(['scram-sha-256']),
      connectTimeoutMs: 10_000,
      password: () => PASSWORD,
    };
    const catalog = new CatalogClient(upstream);
    try {
      expect(await catalog.query("select 'reached', current_setting('client_encoding')")).toEqual([['reached', 'UTF8']]);
      expect(await catalog.describe('select 1::int as n')).toMatchObject([{ name: 'n' }]);
    } finally {
      catalog.close();
    }
    const refused = new CatalogClient({ ...upstream, password: () => 'wrong' });
    await expect(refused.query('select 1')).rejects.toThrow(/password authentication failed/);
    refused.close();
  });

  it('serves psql: a script with an error in the middle goes on, COPY TO STDOUT works, COPY FROM STDIN is refused cleanly', async () => {
    const script = [
      'create table notes (id int, body text);',
      "insert into notes values (1, 'first'), (2, 'second');",
      'select nosuch;',
      'select id, body from notes order by id;',
      'copy (select id from notes order by id) to stdout;',
      'select count(*) from notes;',
      '',
    ].join('\n');
    const result = await runPsql(url(), ['-At', '-F', '|'], { input: script });
    expect(result.stderr).toMatch(/column "nosuch" does not exist/);
    expect(result.stdout.split('\n').filter((line) => line !== '' && !/^(CREATE|INSERT|COPY)/.test(line))).toEqual(['1|first', '2|second', '1', '2', '2']);

    // COPY FROM STDIN would end PGlite's backend: it is refused, and the database goes on.
    const copyIn = await runPsql(url(), ['-c', 'copy notes from stdin'], { input: '3\tthird\n\\.\n' });
    expect(copyIn.code).not.toBe(0);
    expect(copyIn.stderr).toMatch(/supports only COPY \.\.\. TO STDOUT/);
    expect((await runPsql(url(), ['-At', '-c', 'select count(*) from notes'])).stdout.trim()).toBe('2');
  });

  it('shares its one backend between connections without mixing their transactions', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.query('create table ledger (id int primary key, note text)');
    await a.query('begin');
    await a.query("insert into ledger values (1, 'a')");

    // Inside a's transaction b may read (what the broker's catalog lookups need) but not write...
    expect((await b.query('select count(*)::int as n from ledger')).rows).toHaveLength(1);
    const write = await failure(b.query("insert into ledger values (2, 'b')"));
    expect(write).toMatchObject({ code: '25006' });
    // ...and its error did not abort a's transaction.
    await a.query("insert into ledger values (3, 'a')");

    // b's BEGIN waits for a's transaction and proceeds once it ends.
    const begun = b.query('begin');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await a.query('commit');
    expect((await begun).command).toBe('BEGIN');
    await b.query("insert into ledger values (2, 'b')");
    // Now a waits for b; b never ends its transaction in time, so a is refused, clearly.
    const refused = await failure(a.query('begin'));
    expect(refused).toMatchObject({ code: '25001' });
    expect(refused.message).toMatch(/one transaction at a time/);
    await b.query('commit');
    expect((await a.query('select id, note from ledger order by id')).rows).toEqual([
      { id: 1, note: 'a' },
      { id: 2, note: 'b' },
      { id: 3, note: 'a' },
    ]);

    // A connection that goes away inside a transaction is rolled back; the others carry on.
    const c = await connect();
    await c.query('begin');
    await c.query("insert into ledger values (4, 'never committed')");
    await c.end();
    expect((await a.query('begin')).command).toBe('BEGIN');
    expect((await a.query('select count(*)::int as n from ledger')).rows).toEqual([{ n: 3 }]);
    await a.query('rollback');
  });

  it('keeps named prepared statements of different connections apart', async () => {
    const [a, b] = [await connect(), await connect()];
    expect((await a.query({ name: 'lookup', text: 'select $1::text as v', values: ['a'] })).rows).toEqual([{ v: 'a' }]);
    expect((await b.query({ name: 'lookup', text: 'select $1::int * 2 as v', values: [21] })).rows).toEqual([{ v: 42 }]);
    // node-postgres reuses a name it prepared: each connection gets its own statement back.
    expect((await a.query({ name: 'lookup', text: 'select $1::text as v', values: ['again'] })).rows).toEqual([{ v: 'again' }]);
    expect((await b.query({ name: 'lookup', text: 'select $1::int * 2 as v', values: [5] })).rows).toEqual([{ v: 10 }]);
    // Both connections busy at once: every answer reaches the connection that asked.
    const run = async (client: pg.Client, offset: number): Promise<number[]> => {
      const seen: number[] = [];
      for (let i = 0; i < 10; i++) seen.push((await client.query<{ i: number }>('select $1::int as i', [offset + i])).rows[0]!.i);
      return seen;
    };
    const [fromA, fromB] = await Promise.all([run(a, 0), run(b, 100)]);
    expect(fromA).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(fromB).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
  });
});
