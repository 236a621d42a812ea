/**
 * The server's one door to its store. Two backends implement it with the same SQL: embedded
 * PGlite (one machine) and PostgreSQL (replicas). Parameters are always `$1, $2, …`.
 *
 * Values come back the same from both backends: bigint/bigserial as JS numbers, bytea as
 * Buffer, timestamptz as Date, jsonb parsed, text[] as string[]. Pass jsonb parameters as
 * JSON text (`JSON.stringify(value)`): node-postgres would turn a JS array into a SQL array.
 */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations, fixtures). */
  exec(sql: string): Promise<void>;
}

export interface ListenOptions {
  /**
   * Called after the listening connection was lost and re-established: notifications sent
   * in between are gone, so the caller re-reads whatever it follows (e.g. server_events).
   */
  onReconnect?: () => void;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Commits when `fn` resolves, rolls back when it throws. Use `tx`, never the database, inside. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves once listening; the returned function stops this subscription. */
  listen(channel: string, onPayload: (payload: string) => void, opts?: ListenOptions): Promise<() => Promise<void>>;
  /** Payloads are limited to 8000 bytes by PostgreSQL: send ids, not documents. */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Runs `fn` only if no other holder (in this process or any replica) holds `key`, keeping
   * the lock until `fn` settles. `lost` aborts if the connection holding the lock dies, after
   * which another replica may take it.
   */
  tryAdvisoryLock<T>(key: number, fn: (lost: AbortSignal) => Promise<T>): Promise<{ acquired: false } | { acquired: true; value: T }>;
  close(): Promise<void>;
}

/** Channel names go into LISTEN as identifiers, so only plain lowercase names are allowed. */
export function assertChannelName(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) {
    throw new Error(`invalid notification channel name "${channel}": use lowercase letters, digits and _`);
  }
}

/** Advisory lock keys are bigints in PostgreSQL; JS callers use safe integers. */
export function assertLockKey(key: number): void {
  if (!Number.isSafeInteger(key)) throw new Error(`advisory lock key must be a safe integer (got ${key})`);
}
