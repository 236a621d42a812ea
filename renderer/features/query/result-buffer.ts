import type { QueryColumn } from '../../../shared/bridge/query-bridge.ts';

export type ResultRow = readonly (string | null)[];

/**
 * A streaming result held outside React state: row batches are appended in place (no copy of
 * the rows so far), and views re-render from `version` at their own pace.
 */
export class ResultBuffer {
  private columnList: readonly QueryColumn[] = [];
  private readonly rowList: ResultRow[] = [];
  private changes = 0;
  private readonly listeners = new Set<() => void>();

  get columns(): readonly QueryColumn[] {
    return this.columnList;
  }

  get rows(): readonly ResultRow[] {
    return this.rowList;
  }

  get size(): number {
    return this.rowList.length;
  }

  /** Bumps on every change; cheap to compare. */
  get version(): number {
    return this.changes;
  }

  row(index: number): ResultRow | undefined {
    return this.rowList[index];
  }

  /** A new result set (a statement's RowDescription): drops the previous rows. */
  reset(columns: readonly QueryColumn[]): void {
    this.columnList = columns;
    this.rowList.length = 0;
    this.changed();
  }

  clear(): void {
    this.reset([]);
  }

  append(rows: readonly ResultRow[]): void {
    if (rows.length === 0) return;
    // push(...rows) overflows the call stack for very large batches; a loop does not.
    for (const row of rows) this.rowList.push(row);
    this.changed();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.changes += 1;
    for (const listener of [...this.listeners]) listener();
  }
}
