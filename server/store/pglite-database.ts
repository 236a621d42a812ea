import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import { AsyncMutex } from './async-mutex.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { parseInt8 } from './int8.ts';
import { assertChannelName, assertLockKey } from './database.ts';
import type { Database, Queryable } from './database.ts';

const INT8 = 20;
const BYTEA = 17;

function parseByteaHex(text: string): Buffer {
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
}

interface TransactionScope {
  active: boolean;
}

/**
 * Embedded PostgreSQL (PGlite) has one connection. A statement issued while a transaction is
 * open would run inside that transaction, so every statement and every transaction takes one
 * mutex: PGlite sees them strictly one after another.
 */
class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private readonly mutex = new AsyncMutex();
  private readonly scope = new AsyncLocalStorage<TransactionScope>();
  // One process owns the data directory, so holding a key here is holding it everywhere.
  private readonly heldLocks = new Set<number>();

  constructor(
    private readonly pg: PGlite,
    private readonly releaseDirLock: () => Promise<void>,
  ) {}

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    this.refuseInsideTransaction();
    return this.mutex.run(async () => (await this.pg.query<R>(sql, params)).rows);
  }

  async exec(sql: string): Promise<void> {
    this.refuseInsideTransaction();
    await this.mutex.run(() => this.pg.exec(sql));
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.refuseInsideTransaction();
    return this.mutex.run(() =>
      this.pg.transaction(async (tx) => {
        const scope: TransactionScope = { active: true };
        try {
          return await this.scope.run(scope, () => fn(wrapTransaction(tx)));
        } finally {
          scope.active = false;
        }
      }),
    );
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    assertChannelName(channel);
    this.refuseInsideTransaction();
    const unlisten = await this.mutex.run(() => this.pg.listen(channel, onPayload));
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      await this.mutex.run(() => unlisten());
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    assertChannelName(channel);
    await this.query('select pg_notify($1, $2)', [channel, payload]);
  }

  async tryAdvisoryLock<T>(key: number, fn: (lost: AbortSignal) => Promise<T>): Promise<{ acquired: false } | { acquired: true; value: T }> {
    assertLockKey(key);
    if (this.heldLocks.has(key)) return { acquired: false };
    this.heldLocks.add(key);
    try {
      return { acquired: true, value: await fn(new AbortController().signal) };
    } finally {
      this.heldLocks.delete(key);
    }
  }

  async close(): Promise<void> {
    if (this.pg.closed) return;
    await this.mutex.run(() => this.pg.close());
    await this.releaseDirLock();
  }

  private refuseInsideTransaction(): void {
    if (this.scope.getStore()?.active === true) {
      // With one connection this would wait for the very transaction it runs in.
      throw new Error('inside db.transaction(), use its tx handle: the database has a single connection');
    }
  }
}

function wrapTransaction(tx: Transaction): Queryable {
  return {
    query: async <R>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows,
    exec: async (sql: string) => {
      await tx.exec(sql);
    },
  };
}

/**
 * Opens (creating if needed) an embedded database in `dataDir`, or in memory when no
 * directory is given (tests). Refuses a directory another live process has open.
 */
export async function openPgliteDatabase(opts: { dataDir?: string } = {}): Promise<Database> {
  let release = async (): Promise<void> => undefined;
  if (opts.dataDir !== undefined) {
    await mkdir(dirname(opts.dataDir), { recursive: true, mode: 0o700 });
    release = await lockDataDir(`${opts.dataDir}.lock`);
  }
  try {
    const pg = await PGlite.create(opts.dataDir, { parsers: { [INT8]: parseInt8, [BYTEA]: parseByteaHex } });
    return new PgliteDatabase(pg, release);
  } catch (e) {
    await release();
    throw e;
  }
}
