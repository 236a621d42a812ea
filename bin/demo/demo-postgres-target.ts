/**
 * The `--postgres-target` choices, apart from the code that starts them so the CLI can check
 * the flag without loading PostgreSQL or PGlite support.
 */
export const DEMO_POSTGRES_TARGETS = ['auto', 'cluster', 'pglite'] as const;
export type DemoPostgresTarget = (typeof DEMO_POSTGRES_TARGETS)[number];
