import { startDemoPglite } from './demo-pglite.ts';
import { PostgresUnavailableError, startDemoPostgres } from './demo-postgres.ts';
import type { DemoPostgres } from './demo-postgres.ts';
import type { DemoPostgresTarget } from './demo-postgres-target.ts';
import type { DemoState } from './demo-state.ts';

/**
 * Which database the demo targets: a real PostgreSQL cluster when one is installed (and can
 * run here), else embedded PGlite served over the wire. `cluster` and `pglite` force one.
 */

export interface ChosenDemoDatabase {
  database: DemoPostgres;
  /** Why PGlite stands in when `auto` could not use PostgreSQL; null otherwise. */
  fallbackReason: string | null;
}

export async function startChosenDemoDatabase(dataDir: string, state: DemoState, target: DemoPostgresTarget): Promise<ChosenDemoDatabase> {
  switch (target) {
    case 'cluster':
      return { database: await startDemoPostgres(dataDir, state), fallbackReason: null };
    case 'pglite':
      return { database: await startDemoPglite(dataDir, state), fallbackReason: null };
    case 'auto':
      try {
        return { database: await startDemoPostgres(dataDir, state), fallbackReason: null };
      } catch (e) {
        if (!(e instanceof PostgresUnavailableError)) throw e;
        return { database: await startDemoPglite(dataDir, state), fallbackReason: e.message };
      }
    default:
      return target satisfies never;
  }
}
