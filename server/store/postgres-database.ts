import pg from 'pg';
import type { Logger } from 'pino';
import { assertChannelName, assertLockKey } from './database.ts';
import type { Database, ListenOptions, Queryable } from './database.ts';
import { parseInt8 } from './int8.ts';
import { PostgresListener } from './postgres-listener.ts';

const INT8 = 20;

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? parseInt8 : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

function wrapClient(client: pg.PoolClient): Queryable {
  return {
    query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
    exec: async (sql: string) => {
      // No parameters: node-postgres uses the simple protocol, which runs several statements.
      await client.query(sql);
    },
  };
}

/** A pooled connection that, while checked out, reports its own death instead of crashing the process. */
async function checkOut(pool: pg.Pool): Promise<{ client: pg.PoolClient; lost: AbortSignal; release(destroy: boolean): void }> {
  const client = await pool.connect();
  const controller = new AbortController();
  const onError = (e: Error): void => controller.abort(e);
  client.on('error', onError);
  return {
    client,
    lost: controller.signal,
    release(destroy) {
      client.off('error', onError);
      client.release(destroy || controller.signal.aborted);
    },
  };
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;

  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PostgresListener,
  ) {}

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    return (await this.pool.query(sql, params)).rows as R[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const { client, release } = await checkOut(this.pool);
    let broken = false;
    try {
      await client.query('BEGIN');
      const value = await fn(wrapClient(client));
      await client.query('COMMIT');
      return value;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw e;
    } finally {
      release(broken);
    }
  }

  listen(channel: string, onPayload: (payload: string) => void, opts: ListenOptions = {}): Promise<() => Promise<void>> {
    assertChannelName(channel);
    return this.listener.subscribe(channel, onPayload, opts.onReconnect);
  }

  async notify(channel: string, payload: string): Promise<void> {
    assertChannelName(channel);
    await this.pool.query('select pg_notify($1, $2)', [channel, payload]);
  }

  async tryAdvisoryLock<T>(key: number, fn: (lost: AbortSignal) => Promise<T>): Promise<{ acquired: false } | { acquired: true; value: T }> {
    assertLockKey(key);
    // A session-level lock lives on one connection, so that connection is kept out of the pool until unlocked.
    const { client, lost, release } = await checkOut(this.pool);
    let destroy = false;
    try {
      const [row] = (await client.query<{ acquired: boolean }>('select pg_try_advisory_lock($1::bigint) as acquired', [key])).rows;
      if (row?.acquired !== true) return { acquired: false };
      try {
        return { acquired: true, value: await fn(lost) };
      } finally {
        try {
          await client.query('select pg_advisory_unlock($1::bigint)', [key]);
        } catch {
          // Closing the connection releases its session locks.
          destroy = true;
        }
      }
    } finally {
      release(destroy);
    }
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.pool.end();
  }
}

/** Connects to PostgreSQL at `url` and checks that it answers. */
export async function openPostgresDatabase(opts: { url: string; log?: Logger; poolSize?: number }): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    types: typeParsers,
    application_name: 'gatehouse-server',
  });
  // An idle pooled connection that dies (server restart, network) must not take the process with it.
  pool.on('error', (e) => opts.log?.warn({ err: e }, 'an idle database connection failed'));
  try {
    await pool.query('select 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
  return new PostgresDatabase(pool, new PostgresListener(opts.url, opts.log));
}
