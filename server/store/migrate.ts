import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Database, Queryable } from './database.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Any constant shared by every replica; it only has to differ from the other lock keys we use. */
export const MIGRATION_LOCK_KEY = 0x6761_7465_01; // "gate" + 1

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** The migrations shipped with this build, in version order. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const m = FILE_NAME.exec(file);
    if (m === null) continue;
    migrations.push({ version: Number(m[1]), name: m[2]!, sql: await readFile(join(dir, file), 'utf8') });
  }
  const versions = migrations.map((x) => x.version);
  if (new Set(versions).size !== versions.length) throw new Error(`two migrations share a version number in ${dir}`);
  return migrations;
}

let shipped: Promise<Migration[]> | undefined;

/** This build's migrations, read once. */
export function shippedMigrations(): Promise<Migration[]> {
  shipped ??= loadMigrations().catch((e: unknown) => {
    shipped = undefined;
    throw e;
  });
  return shipped;
}

async function appliedVersions(tx: Queryable): Promise<Set<number>> {
  const rows = await tx.query<{ version: number }>('select version from schema_migrations');
  return new Set(rows.map((r) => Number(r.version)));
}

/**
 * Brings the schema up to date: each pending migration in its own transaction, recorded in
 * schema_migrations. Every step first takes a transaction-scoped advisory lock and re-checks
 * what is applied, so replicas starting at the same moment apply each migration exactly once.
 * Returns the versions this call applied.
 */
export async function migrate(db: Database, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await shippedMigrations());
  const pending = await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`create table if not exists schema_migrations (
      version int primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
    const applied = await appliedVersions(tx);
    return all.filter((m) => !applied.has(m.version));
  });
  const done: number[] = [];
  for (const migration of pending) {
    const applied = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      if ((await appliedVersions(tx)).has(migration.version)) return false;
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (applied) done.push(migration.version);
  }
  return done;
}

/** For readiness: are all migrations of this build applied? Never throws for a missing table. */
export async function pendingMigrations(db: Queryable, migrations?: Migration[]): Promise<Migration[]> {
  const all = migrations ?? (await shippedMigrations());
  const [exists] = await db.query<{ present: boolean }>("select to_regclass('schema_migrations') is not null as present");
  if (exists?.present !== true) return all;
  const applied = await appliedVersions(db);
  return all.filter((m) => !applied.has(m.version));
}
