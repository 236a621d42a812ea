import { describe, expect, it } from 'vitest';
import { auditExportFilename, auditQueryOf, EMPTY_AUDIT_FILTERS, hasAuditFilters, localTimeToIso } from '../../../renderer/features/audit/audit-filters.ts';
import { approvalRequestIdOf, auditRows, isQueryRow, isSshRow, rowSummary } from '../../../renderer/features/audit/audit-rows.ts';
import { recordingAtTime } from '../../../renderer/features/audit/recording-at.ts';
import type { AuditRecord } from '../../../shared/api/audit.ts';
import type { RecordingSummary } from '../../../shared/api/recordings.ts';

let seq = 0;
function record(kind: string, event: Record<string, unknown>, over: Partial<AuditRecord> = {}): AuditRecord {
  seq += 1;
  return {
    seq,
    id: `id-${seq}`,
    time: `2025-01-01T10:00:${String(seq).padStart(2, '0')}.000Z`,
    source: 'broker',
    kind,
    actor: 'alice',
    actorMachine: false,
    connection: 'demo-db',
    statementClass: null,
    decision: 'allow',
    text: null,
    event,
    prevHash: 'p',
    hash: 'h',
    ...over,
  };
}

describe('auditRows', () => {
  it('folds a statement’s outcome into its row: rows, duration, error', () => {
    const statement = record('statement', { sessionId: 's1', rule: 'reads' }, { text: 'select 1', statementClass: 'read' });
    const other = record('session_start', { sessionId: 's1' });
    const result = record('statement_result', { sessionId: 's1', statementId: statement.id, rows: 3, durationMs: 12.5 });
    const rows = auditRows([statement, other, result]);
    expect(rows.map((r) => r.kind)).toEqual(['statement', 'session_start']);
    expect(rows[0]).toMatchObject({ id: statement.id, text: 'select 1', statementClass: 'read', rule: 'reads', rows: 3, durationMs: 12.5, sessionId: 's1', result });
  });

  it('shows a failed run as an error with its SQLSTATE', () => {
    const statement = record('statement', { sessionId: 's1', rule: null }, { text: 'select nope' });
    const result = record('statement_result', { statementId: statement.id, error: { sqlstate: '42703', message: 'column "nope" does not exist' } }, { decision: 'error' });
    const [row] = auditRows([statement, result]);
    expect(row).toMatchObject({ decision: 'error', error: '42703: column "nope" does not exist' });
  });

  it('keeps an outcome whose statement is on another page as a row of its own, in sequence order', () => {
    const early = record('session_start', {});
    const result = record('statement_result', { statementId: 'not-loaded', rows: 1 });
    const late = record('session_end', {});
    expect(auditRows([early, late, result]).map((r) => r.kind)).toEqual(['session_start', 'statement_result', 'session_end']);
  });

  it('finds the approval request of a held statement and of the server’s approval records', () => {
    expect(approvalRequestIdOf(record('statement', { approvalRequestId: 'ar-1' }))).toBe('ar-1');
    expect(approvalRequestIdOf(record('approval.decided', { requestId: 'ar-2' }, { source: 'server' }))).toBe('ar-2');
    expect(approvalRequestIdOf(record('login', { requestId: 'nope' }))).toBeNull();
  });

  it('summarises rows without text by what the SSH record was about', () => {
    const [withText] = auditRows([record('statement', {}, { text: 'select\n  1' })]);
    const [shell] = auditRows([record('ssh_exec', { ssh: { host: 'web-1:22', remoteUser: 'u', request: 'shell' } })]);
    const [end] = auditRows([record('ssh_session_end', { ssh: { host: 'web-1:22', remoteUser: 'u', endReason: 'client' } })]);
    const [login] = auditRows([record('session_start', {})]);
    expect(rowSummary(withText!)).toBe('select 1');
    expect(rowSummary(shell!)).toBe('shell on web-1:22');
    expect(rowSummary(end!)).toBe('session end on web-1:22 (client)');
    expect(rowSummary(login!)).toBe('session start');
  });

  it('tells terminal rows from SQL rows', () => {
    const [ssh] = auditRows([record('ssh_exec', { sessionId: 's' })]);
    const [sql] = auditRows([record('statement', { sessionId: 's' })]);
    expect(isSshRow(ssh!)).toBe(true);
    expect(isQueryRow(ssh!)).toBe(false);
    expect(isQueryRow(sql!)).toBe(true);
  });
});

describe('audit filters', () => {
  it('sends only what is filled in, trimmed, with local times as instants', () => {
    const query = auditQueryOf({ ...EMPTY_AUDIT_FILTERS, user: ' alice ', decision: 'block', from: '2025-01-01T10:00' });
    expect(query).toEqual({ user: 'alice', decision: 'block', from: new Date('2025-01-01T10:00').toISOString() });
    expect(hasAuditFilters(EMPTY_AUDIT_FILTERS)).toBe(false);
    expect(hasAuditFilters({ ...EMPTY_AUDIT_FILTERS, text: 'select' })).toBe(true);
    expect(localTimeToIso('yesterday-ish')).toBeNull();
  });

  it('names the export file by format and time', () => {
    expect(auditExportFilename('csv', new Date('2025-03-04T05:06:07.890Z'))).toBe('gatehouse-audit-2025-03-04T05-06-07.csv');
  });
});

describe('recordingAtTime', () => {
  const recording = (id: string, sessionId: string, startedAt: string, durationMs: number): RecordingSummary => ({
    id,
    connection: 'web-1',
    host: 'web-1:22',
    brokerSessionId: sessionId,
    user: 'alice',
    userMachine: false,
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + durationMs).toISOString(),
    durationMs,
    bytes: 100,
    exitStatus: 0,
    width: 80,
    height: 24,
    chunks: 1,
    complete: true,
  });

  it('finds the session’s recording running at the moment and the offset into it', () => {
    const recordings = [recording('a', 's1', '2025-01-01T10:00:00Z', 60_000), recording('b', 's2', '2025-01-01T10:00:00Z', 600_000), recording('c', 's1', '2025-01-01T10:05:00Z', 60_000)];
    expect(recordingAtTime(recordings, 's1', '2025-01-01T10:00:30Z')).toEqual({ recording: recordings[0], tMs: 30_000 });
    expect(recordingAtTime(recordings, 's1', '2025-01-01T10:05:10Z')?.recording.id).toBe('c');
    expect(recordingAtTime(recordings, 's1', '2025-01-01T10:03:00Z')).toBeNull();
    expect(recordingAtTime(recordings, 's3', '2025-01-01T10:00:30Z')).toBeNull();
  });
});
