import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Database } from './database.ts';
import { openPgliteDatabase } from './pglite-database.ts';
import { openPostgresDatabase } from './postgres-database.ts';

/** The store a config asks for: PostgreSQL when a URL is given, else embedded PGlite under the data dir. */
export async function openDatabase(config: { database: string | null; dataDir: string }, log?: Logger): Promise<Database> {
  if (config.database !== null) return openPostgresDatabase({ url: config.database, ...(log === undefined ? {} : { log }) });
  return openPgliteDatabase({ dataDir: join(config.dataDir, 'pglite') });
}
