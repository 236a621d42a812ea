import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import type { QueryColumn, QueryEvent } from '../../shared/bridge/query-bridge.ts';
import type { Logger } from '../log.ts';
import { approvalRequestIdOf } from '../policy/approval-notice-detail.ts';
import { parseMaskingNotice, type MaskedColumnNote } from '../policy/masking-annotation.ts';
import { typeNameOf } from './pg-type-names.ts';
import type { KeptResult } from './result-export.ts';
import type { ResultError, ResultField } from './result-stream.ts';
import { TabSession, type NoticeFromServer } from './tab-session.ts';

export interface QueryRunnerOptions {
  emit: (event: QueryEvent) => void;
  /** The connection's local listener URL, opening the listener if need be. */
  listenerUrl: (connection: string) => Promise<string>;
  /** The whole approval request a held statement waits on. */
  approval: (id: string) => Promise<ApprovalRequest>;
  log: Logger;
  /** A rows event carries at most this many rows… */
  batchRows?: number;
  /** …and is sent at the latest this long after its first row. */
  batchMs?: number;
  /** Rows of one result kept for export; a longer result cannot be exported. */
  keepRows?: number;
}

export interface RunParams {
  connection: string;
  sql: string;
  justification?: string | undefined;
  tabId: string;
}

/** The last result of a run, kept for export. */
export interface KeptRun {
  connection: string;
  sql: string;
  result: KeptResult | null;
  /** Rows beyond keepRows were not kept. */
  truncated: boolean;
}

const DEFAULT_BATCH_ROWS = 500;
const DEFAULT_BATCH_MS = 50;
const DEFAULT_KEEP_ROWS = 1_000_000;
/** Runs whose results stay exportable. */
const KEPT_RUNS = 20;
const NEEDS_JUSTIFICATION = /needs a justification/;

/**
 * The query pane's engine: each tab has its own database session through the connection's
 * local listener; a run streams its columns (masked ones flagged), rows in batches, notices, the
 * approval it waits for, and its outcome as query events tagged with the run's id.
 */
export class QueryRunner {
  private readonly tabs = new Map<string, Promise<TabSession>>();
  private readonly active = new Map<string, TabSession>();
  private readonly kept = new Map<string, KeptRun>();

  constructor(private readonly o: QueryRunnerOptions) {}

  run(params: RunParams): { queryId: string } {
    const queryId = randomUUID();
    void this.execute(queryId, params);
    return { queryId };
  }

  /** Cancels a running statement (or withdraws the approval it waits for); false if it is not running. */
  async cancel(queryId: string): Promise<boolean> {
    const tab = this.active.get(queryId);
    if (tab === undefined) return false;
    await tab.cancel();
    return true;
  }

  keptRun(queryId: string): KeptRun | undefined {
    return this.kept.get(queryId);
  }

  /** Ends the tabs of one connection (its listener is closing). */
  async closeConnection(connection: string): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, tab] of this.tabs) {
      if (!key.startsWith(`${connection}\u0000`)) continue;
      this.tabs.delete(key);
      closing.push(tab.then((t) => t.close(), () => undefined));
    }
    await Promise.all(closing);
  }

  async closeAll(): Promise<void> {
    const all = [...this.tabs.values()];
    this.tabs.clear();
    this.kept.clear();
    await Promise.all(all.map((tab) => tab.then((t) => t.close(), () => undefined)));
  }

  private async execute(queryId: string, params: RunParams): Promise<void> {
    const startedAt = performance.now();
    const elapsed = (): number => Math.round((performance.now() - startedAt) * 10) / 10;
    let tab: TabSession;
    try {
      tab = await this.tabFor(params.connection, params.tabId);
    } catch (err) {
      this.emitFailure(queryId, err as ResultError, elapsed());
      return;
    }
    await tab.exclusive(async () => {
      this.active.set(queryId, tab);
      try {
        await tab.justify(params.justification);
      } catch (err) {
        this.active.delete(queryId);
        this.emitFailure(queryId, err as ResultError, elapsed());
        return;
      }
      const run = new RunStream(queryId, this.o, elapsed, this.o.keepRows ?? DEFAULT_KEEP_ROWS);
      await tab.stream(params.sql, run.handlers(), (notice) => run.notice(notice));
      this.active.delete(queryId);
      this.keep(queryId, { connection: params.connection, sql: params.sql, result: run.lastResult, truncated: run.truncated });
    });
  }

  private async tabFor(connection: string, tabId: string): Promise<TabSession> {
    const key = `${connection}\u0000${tabId}`;
    const existing = this.tabs.get(key);
    if (existing !== undefined) {
      const tab = await existing.catch(() => null);
      if (tab?.usable === true) return tab;
      if (this.tabs.get(key) === existing) this.tabs.delete(key);
    }
    const opening = this.o.listenerUrl(connection).then((url) => TabSession.open(connection, url, this.o.log));
    this.tabs.set(key, opening);
    opening.catch(() => {
      if (this.tabs.get(key) === opening) this.tabs.delete(key);
    });
    return opening;
  }

  private keep(queryId: string, run: KeptRun): void {
    this.kept.set(queryId, run);
    while (this.kept.size > KEPT_RUNS) this.kept.delete(this.kept.keys().next().value!);
  }

  private emitFailure(queryId: string, err: ResultError, durationMs: number): void {
    this.o.emit(failureEvent(queryId, err, durationMs));
  }
}

/** One run's stream of protocol events turned into query events. */
class RunStream {
  lastResult: KeptResult | null = null;
  truncated = false;
  private columns: QueryColumn[] | null = null;
  private pendingMasks: MaskedColumnNote[] | null = null;
  private batch: (string | null)[][] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private total = 0;
  private lastCommand = '';
  private over = false;

  constructor(
    private readonly queryId: string,
    private readonly o: QueryRunnerOptions,
    private readonly elapsed: () => number,
    private readonly keepRows: number,
  ) {}

  handlers(): Parameters<TabSession['stream']>[1] {
    return {
      columns: (fields) => this.onColumns(fields),
      row: (values) => this.onRow(values),
      commandComplete: (tag) => {
        this.flush();
        this.lastCommand = tag;
      },
      failed: (error) => {
        this.flush();
        this.over = true;
        this.o.emit(failureEvent(this.queryId, error, this.elapsed()));
      },
      finished: () => {
        this.flush();
        this.over = true;
        this.o.emit({ kind: 'done', queryId: this.queryId, command: this.lastCommand, rowCount: rowCountOf(this.lastCommand), durationMs: this.elapsed() });
      },
    };
  }

  notice(notice: NoticeFromServer): void {
    const masks = parseMaskingNotice(notice);
    if (masks !== null) {
      this.pendingMasks = masks;
      return;
    }
    const requestId = approvalRequestIdOf(notice.detail);
    if (requestId !== null) {
      this.o.approval(requestId).then(
        (request) => {
          if (!this.over) this.o.emit({ kind: 'waiting', queryId: this.queryId, request });
        },
        (err: unknown) => {
          this.o.log.warn({ requestId, err: (err as Error).message }, 'could not fetch the approval request a statement waits for');
          if (!this.over) this.o.emit({ kind: 'notice', queryId: this.queryId, severity: notice.severity ?? 'NOTICE', message: notice.message ?? '' });
        },
      );
      return;
    }
    this.o.emit({ kind: 'notice', queryId: this.queryId, severity: notice.severity ?? 'NOTICE', message: notice.message ?? '' });
  }

  private onColumns(fields: ResultField[]): void {
    this.flush();
    const masks = new Map((this.pendingMasks ?? []).map((m) => [m.index, m]));
    this.pendingMasks = null;
    this.columns = fields.map((f, i) => {
      const mask = masks.get(i);
      return { name: f.name, typeName: typeNameOf(f.dataTypeID), masked: mask === undefined ? null : { rule: mask.rule, style: mask.style } };
    });
    this.startResult(this.columns);
  }

  private onRow(values: (string | null)[]): void {
    if (this.columns === null) {
      // COPY ... TO STDOUT has no RowDescription: its lines are shown as one text column.
      this.columns = [{ name: 'COPY', typeName: 'text', masked: null }];
      this.startResult(this.columns);
    }
    this.total += 1;
    this.batch.push(values);
    const kept = this.lastResult;
    if (kept !== null) {
      if (kept.rows.length < this.keepRows) kept.rows.push(values);
      else this.truncated = true;
    }
    if (this.batch.length >= (this.o.batchRows ?? DEFAULT_BATCH_ROWS)) this.flush();
    else this.batchTimer ??= setTimeout(() => this.flush(), this.o.batchMs ?? DEFAULT_BATCH_MS);
  }

  private startResult(columns: QueryColumn[]): void {
    this.total = 0;
    this.truncated = false;
    this.lastResult = { columns: columns.map((c) => c.name), rows: [] };
    this.o.emit({ kind: 'columns', queryId: this.queryId, columns });
  }

  private flush(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.batch.length === 0) return;
    const rows = this.batch;
    this.batch = [];
    this.o.emit({ kind: 'rows', queryId: this.queryId, rows, total: this.total });
  }
}

function failureEvent(queryId: string, err: ResultError, durationMs: number): QueryEvent {
  const sqlstate = typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : null;
  const message = err.message ?? String(err);
  return {
    kind: 'failed',
    queryId,
    sqlstate,
    message,
    detail: err.detail ?? null,
    hint: err.hint ?? null,
    needsJustification: sqlstate === '42501' && NEEDS_JUSTIFICATION.test(message),
    durationMs,
  };
}

/** The row count of a command tag: `SELECT 5`, `INSERT 0 3`, `UPDATE 1`; null for `CREATE TABLE`. */
function rowCountOf(tag: string): number | null {
  const match = /\s(\d+)$/.exec(tag);
  return match === null ? null : Number(match[1]);
}
