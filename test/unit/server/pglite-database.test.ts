import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../server/store/database.ts';
import { loadMigrations, migrate, pendingMigrations } from '../../../server/store/migrate.ts';
import { openPgliteDatabase } from '../../../server/store/pglite-database.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('PGlite database', () => {
  let db: Database;

  beforeAll(async () => {
    db = await openPgliteDatabase();
    await db.exec('create table t (id int primary key, note text)');
  });
  afterAll(async () => {
    await db.close();
  });

  it('returns the same JS types as the PostgreSQL backend', async () => {
    const [row] = await db.query<{ big: unknown; bytes: unknown; at: unknown; doc: unknown; list: unknown }>(
      "select 42::bigint as big, '\\x0102ff'::bytea as bytes, now() as at, $1::jsonb as doc, $2::text[] as list",
      [JSON.stringify({ a: [1, 2] }), ['x', 'y']],
    );
    expect(row!.big).toBe(42);
    expect(Buffer.isBuffer(row!.bytes)).toBe(true);
    expect([...(row!.bytes as Buffer)]).toEqual([1, 2, 255]);
    expect(row!.at).toBeInstanceOf(Date);
    expect(row!.doc).toEqual({ a: [1, 2] });
    expect(row!.list).toEqual(['x', 'y']);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await db.transaction(async (tx) => {
      await tx.query('insert into t values ($1, $2)', [1, 'kept']);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into t values ($1, $2)', [2, 'dropped']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await db.query('select id, note from t order by id')).toEqual([{ id: 1, note: 'kept' }]);
  });

  it('keeps statements from outside a transaction out of it (one connection, one mutex)', async () => {
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    const tx = db.transaction(async (q) => {
      await q.query('insert into t values ($1, $2)', [3, 'uncommitted']);
      inside();
      await sleep(50);
      throw new Error('roll back');
    });
    await started;
    // Issued while the transaction is open: it must wait, and must not see (or join) its work.
    const seen = await db.query<{ n: number }>('select count(*)::int as n from t where id = 3');
    await expect(tx).rejects.toThrow('roll back');
    expect(seen).toEqual([{ n: 0 }]);
  });

  it('refuses the database handle inside its own transaction instead of deadlocking', async () => {
    await expect(db.transaction(async () => db.query('select 1'))).rejects.toThrow(/use its tx handle/);
    // The database is still usable afterwards.
    expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('delivers notifications after commit only, and stops after unsubscribe', async () => {
    const got: string[] = [];
    const stop = await db.listen('gh_test', (payload) => got.push(payload));
    await db.notify('gh_test', 'direct');
    await db.transaction(async (tx) => {
      await tx.query("select pg_notify('gh_test', 'committed')");
    });
    await db
      .transaction(async (tx) => {
        await tx.query("select pg_notify('gh_test', 'rolled-back')");
        throw new Error('no');
      })
      .catch(() => undefined);
    await sleep(20);
    await stop();
    await db.notify('gh_test', 'after-unsubscribe');
    await sleep(20);
    expect(got).toEqual(['direct', 'committed']);
    await expect(db.listen('Bad Name', () => undefined)).rejects.toThrow(/invalid notification channel/);
  });

  it('grants an advisory lock to one holder at a time', async () => {
    let release!: () => void;
    const held = db.tryAdvisoryLock(7, () => new Promise<string>((resolve) => (release = () => resolve('first'))));
    await sleep(5);
    expect(await db.tryAdvisoryLock(7, async () => 'second')).toEqual({ acquired: false });
    expect(await db.tryAdvisoryLock(8, async () => 'other key')).toEqual({ acquired: true, value: 'other key' });
    release();
    expect(await held).toEqual({ acquired: true, value: 'first' });
    expect(await db.tryAdvisoryLock(7, async () => 'again')).toEqual({ acquired: true, value: 'again' });
  });
});

describe('migrations on PGlite', () => {
  it('applies each migration once, even when started twice at the same time, and records it', async () => {
    const db = await openPgliteDatabase();
    try {
      const shipped = await loadMigrations();
      expect(shipped.map((m) => m.version)).toContain(1);
      expect((await pendingMigrations(db)).length).toBe(shipped.length);
      const [a, b] = await Promise.all([migrate(db), migrate(db)]);
      expect([...a, ...b].sort()).toEqual(shipped.map((m) => m.version));
      expect(await migrate(db)).toEqual([]);
      expect(await pendingMigrations(db)).toEqual([]);
      const rows = await db.query<{ version: number; name: string; applied_at: Date }>('select version, name, applied_at from schema_migrations order by version');
      expect(rows.map((r) => [r.version, r.name])).toEqual(shipped.map((m) => [m.version, m.name]));
      expect(rows[0]!.applied_at).toBeInstanceOf(Date);
    } finally {
      await db.close();
    }
  });

  it('rolls back a failing migration completely and records nothing', async () => {
    const db = await openPgliteDatabase();
    try {
      const broken = [{ version: 1, name: 'half', sql: 'create table half_done (x int); select no_such_function();' }];
      await expect(migrate(db, broken)).rejects.toThrow(/no_such_function/);
      expect(await db.query("select to_regclass('half_done') as t")).toEqual([{ t: null }]);
      expect(await db.query('select * from schema_migrations')).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('PGlite data directory', () => {
  it('refuses a second opener while the first is alive, and reopens the data after close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-pglite-'));
    try {
      const dataDir = join(dir, 'pglite');
      const first = await openPgliteDatabase({ dataDir });
      await first.exec('create table kept (x int); insert into kept values (1)');
      // Simulate another live server process holding the directory.
      await rm(`${dataDir}.lock`);
      await writeFile(`${dataDir}.lock`, `${process.ppid}\n`);
      await expect(openPgliteDatabase({ dataDir })).rejects.toThrow(/in use by another gatehouse server \(pid \d+\)/);
      await rm(`${dataDir}.lock`);
      await first.close();
      // A lock left by a dead process is taken over.
      await writeFile(`${dataDir}.lock`, '999999999\n');
      const second = await openPgliteDatabase({ dataDir });
      expect(await second.query('select x from kept')).toEqual([{ x: 1 }]);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
