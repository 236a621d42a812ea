import type { AuditRecord } from '../../../shared/api/audit.ts';

/** One line of the audit table: a record, with a statement's outcome folded into it. */
export interface AuditRow {
  /** The record the row stands for (a statement's `statement` record). */
  id: string;
  seq: number;
  time: string;
  kind: string;
  user: string;
  machine: boolean;
  connection: string | null;
  /** The statement, command line, transferred path or what happened. */
  text: string | null;
  statementClass: string | null;
  decision: string | null;
  rule: string | null;
  rows: number | null;
  durationMs: number | null;
  /** The failure of a statement that ran and failed. */
  error: string | null;
  approvalRequestId: string | null;
  /** The broker session (recordings carry it as brokerSessionId). */
  sessionId: string | null;
  record: AuditRecord;
  /** The `statement_result` folded into this row, when loaded. */
  result: AuditRecord | null;
}

function str(event: Record<string, unknown>, key: string): string | null {
  const value = event[key];
  return typeof value === 'string' ? value : null;
}

function num(event: Record<string, unknown>, key: string): number | null {
  const value = event[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function errorText(event: Record<string, unknown>): string | null {
  const error = event.error;
  if (typeof error !== 'object' || error === null) return null;
  const { sqlstate, message } = error as Record<string, unknown>;
  if (typeof message !== 'string') return null;
  return typeof sqlstate === 'string' ? `${sqlstate}: ${message}` : message;
}

/** The approval request a record is about: a broker event's held statement, or the server's approval.* records. */
export function approvalRequestIdOf(record: AuditRecord): string | null {
  return str(record.event, 'approvalRequestId') ?? (record.kind.startsWith('approval') ? str(record.event, 'requestId') : null);
}

function rowOf(record: AuditRecord): AuditRow {
  const event = record.event;
  return {
    id: record.id,
    seq: record.seq,
    time: record.time,
    kind: record.kind,
    user: record.actor,
    machine: record.actorMachine,
    connection: record.connection,
    text: record.text,
    statementClass: record.statementClass,
    decision: record.decision,
    rule: str(event, 'rule'),
    rows: num(event, 'rows'),
    durationMs: num(event, 'durationMs'),
    error: errorText(event),
    approvalRequestId: approvalRequestIdOf(record),
    sessionId: str(event, 'sessionId') ?? str(event, 'brokerSessionId'),
    record,
    result: null,
  };
}

/**
 * The table's rows, in the server's order. A statement is audited twice (before it runs, then
 * its outcome); when both records are loaded they make one row, at the statement's place, with
 * the outcome's rows, duration and error. An outcome whose statement is not loaded keeps a row
 * of its own.
 */
export function auditRows(records: readonly AuditRecord[]): AuditRow[] {
  const statements = new Map<string, AuditRow>();
  const rows: AuditRow[] = [];
  const results: AuditRecord[] = [];
  for (const record of records) {
    if (record.kind === 'statement_result' && str(record.event, 'statementId') !== null) {
      results.push(record);
      continue;
    }
    const row = rowOf(record);
    if (record.kind === 'statement') statements.set(record.id, row);
    rows.push(row);
  }
  const orphans: AuditRow[] = [];
  for (const result of results) {
    const row = statements.get(str(result.event, 'statementId')!);
    if (!row || row.result) {
      orphans.push(rowOf(result));
      continue;
    }
    const event = result.event;
    row.result = result;
    row.rows = num(event, 'rows') ?? row.rows;
    row.durationMs = num(event, 'durationMs') ?? row.durationMs;
    row.error = errorText(event) ?? row.error;
    // An outcome of `error` (it failed upstream) says more than the `allow` it started with.
    if (result.decision === 'error') row.decision = 'error';
  }
  if (orphans.length === 0) return rows;
  return [...rows, ...orphans].sort((a, b) => a.seq - b.seq);
}

/**
 * What the table shows in the statement column: the text when there is one, else what an SSH
 * record was about (`shell on web-1:22`, `exec on …`), else the record's kind.
 */
export function rowSummary(row: AuditRow): string {
  if (row.text !== null && row.text.trim() !== '') return row.text.replace(/\s+/g, ' ').trim();
  const ssh = row.record.event.ssh;
  if (typeof ssh === 'object' && ssh !== null) {
    const { request, host, command, endReason } = ssh as Record<string, unknown>;
    const what = typeof command === 'string' ? command : typeof request === 'string' ? request : row.kind === 'ssh_session_end' ? 'session end' : 'session';
    const where = typeof host === 'string' ? ` on ${host}` : '';
    const why = typeof endReason === 'string' ? ` (${endReason})` : '';
    return `${what}${where}${why}`;
  }
  return row.kind.replaceAll('_', ' ');
}

/** Whether a row is a terminal session's (it may have a recording to open at its time). */
export function isSshRow(row: AuditRow): boolean {
  return row.kind.startsWith('ssh_');
}

/** Whether a row is a SQL session's (it can be replayed as a statement timeline). */
export function isQueryRow(row: AuditRow): boolean {
  return row.kind === 'statement' || row.kind === 'statement_result' || row.kind === 'session_start' || row.kind === 'session_end';
}
