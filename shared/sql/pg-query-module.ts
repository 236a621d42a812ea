import type * as PgQuery from 'libpg-query';

/**
 * libpg-query compiles and instantiates its WebAssembly the moment it is imported: ~15 MB of
 * resident memory and startup CPU. Processes that never classify SQL (an allow-all proxy, the
 * SSH broker) must not pay for it, and the compiler settings of broker/runtime must be in place
 * before it compiles, so it is imported on first use, never statically.
 */
let parser: typeof PgQuery | null = null;
let loading: Promise<typeof PgQuery> | null = null;

/** Imports and initialises the parser once; a failed attempt can be retried. */
export function loadPgQuery(): Promise<typeof PgQuery> {
  loading ??= import('libpg-query').then(
    async (module) => {
      await module.loadModule();
      parser = module;
      return module;
    },
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

/** Whether loadPgQuery has finished, so the synchronous functions can be called. */
export function pgQueryLoaded(): boolean {
  return parser !== null;
}

/** The loaded parser; throws if loadPgQuery has not finished (a caller's ordering bug). */
export function pgQuery(): typeof PgQuery {
  if (parser === null) throw new Error('SQL parser not loaded: await loadPgQuery() first');
  return parser;
}
