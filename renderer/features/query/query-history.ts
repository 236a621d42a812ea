/** The slice of Web Storage the history needs (localStorage in the app). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface HistoryEntry {
  sql: string;
  /** ISO time of the latest run. */
  at: string;
}

const KEY_PREFIX = 'gatehouse.history.';

/**
 * Statements run per connection, newest first, without duplicates. Only the SQL text and when:
 * never results, which may hold data the user saw masked or not at all.
 */
export class QueryHistory {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly limit = 100,
  ) {}

  list(connection: string): HistoryEntry[] {
    let raw: string | null;
    try {
      raw = this.storage.getItem(KEY_PREFIX + connection);
    } catch {
      return [];
    }
    if (!raw) return [];
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!Array.isArray(parsed)) return [];
      return parsed.filter(isEntry);
    } catch {
      return [];
    }
  }

  record(connection: string, sql: string, at: Date): HistoryEntry[] {
    const text = sql.trim();
    if (!text) return this.list(connection);
    const next = [{ sql: text, at: at.toISOString() }, ...this.list(connection).filter((e) => e.sql !== text)].slice(0, this.limit);
    try {
      this.storage.setItem(KEY_PREFIX + connection, JSON.stringify(next));
    } catch {
      // A full or disabled storage only costs the history, never the run.
    }
    return next;
  }

  clear(connection: string): void {
    try {
      this.storage.removeItem(KEY_PREFIX + connection);
    } catch {
      // See record().
    }
  }
}

function isEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return typeof entry.sql === 'string' && typeof entry.at === 'string';
}
