import { describe, expect, it } from 'vitest';
import { approvalsOf, sessionSpan, statementAt, statementMarkers } from '../../../renderer/features/recordings/query-timeline.ts';
import { querySessionsOf } from '../../../renderer/features/recordings/query-sessions.ts';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import type { AuditRecord } from '../../../shared/api/audit.ts';
import type { SessionTimeline, TimelineStatement } from '../../../shared/bridge/admin-bridge.ts';

let seq = 0;
function statementRecord(sessionId: string, time: string, decision = 'allow', actor = 'alice'): AuditRecord {
  seq += 1;
  return {
    seq,
    id: `r${seq}`,
    time,
    source: 'broker',
    kind: 'statement',
    actor,
    actorMachine: false,
    connection: 'shop',
    statementClass: 'read',
    decision,
    text: 'select 1',
    event: { sessionId },
    prevHash: '',
    hash: '',
  };
}

describe('querySessionsOf', () => {
  it('groups statements by session, counts what the policy did not simply allow, newest session first', () => {
    const sessions = querySessionsOf([
      statementRecord('s1', '2025-01-01T10:00:00.000Z'),
      statementRecord('s2', '2025-01-01T11:00:00.000Z', 'allow', 'bob'),
      statementRecord('s1', '2025-01-01T10:05:00.000Z', 'block'),
      { ...statementRecord('s3', '2025-01-01T12:00:00.000Z'), kind: 'statement_result' },
    ]);
    expect(sessions.map((s) => [s.sessionId, s.user, s.statements, s.flagged])).toEqual([
      ['s2', 'bob', 1, 0],
      ['s1', 'alice', 2, 1],
    ]);
    expect(sessions[1]).toMatchObject({ firstTime: '2025-01-01T10:00:00.000Z', lastTime: '2025-01-01T10:05:00.000Z' });
  });
});

describe('query session timeline', () => {
  const statement = (id: string, time: string, over: Partial<TimelineStatement> = {}): TimelineStatement => ({
    id,
    seq: 1,
    time,
    text: `select ${id}`,
    class: 'read',
    decision: 'allow',
    rule: 'reads',
    outcome: 'done',
    durationMs: 1000,
    rows: 1,
    maskedColumns: [],
    error: null,
    approvalRequestIds: [],
    ...over,
  });
  const timeline = (statements: TimelineStatement[], startedAt: string | null = null, endedAt: string | null = null): SessionTimeline => ({
    sessionId: 's',
    connection: 'shop',
    user: 'alice',
    startedAt,
    endedAt,
    statements,
    approvals: [],
    truncated: false,
  });

  it('spans from the session start (or first statement) to its end (or the last statement’s end)', () => {
    const t = timeline([statement('a', '2025-01-01T10:00:10Z'), statement('b', '2025-01-01T10:01:00Z', { durationMs: 5000 })]);
    expect(sessionSpan(t)).toEqual({ startMs: Date.parse('2025-01-01T10:00:10Z'), durationMs: 55_000 });
    expect(sessionSpan(timeline(t.statements, '2025-01-01T10:00:00Z', '2025-01-01T10:02:00Z')).durationMs).toBe(120_000);
  });

  it('marks every statement and the decisions that were not allow, and finds the statement at a moment', () => {
    const t = timeline([statement('a', '2025-01-01T10:00:00Z'), statement('b', '2025-01-01T10:00:30Z', { decision: 'block', rule: 'no-ddl', text: 'drop table x' })]);
    expect(statementMarkers(t)).toEqual([
      { ms: 0, kind: 'command', label: 'select a' },
      { ms: 30_000, kind: 'command', label: 'drop table x' },
      { ms: 30_000, kind: 'decision', label: 'block by no-ddl' },
    ]);
    expect(statementAt(t, 10_000)?.id).toBe('a');
    expect(statementAt(t, 31_000)?.id).toBe('b');
  });

  it('lists the approvals a statement cites, in its order, skipping unreadable ones', () => {
    const request = (id: string) => ({ id }) as ApprovalRequest;
    const s = statement('a', '2025-01-01T10:00:00Z', { approvalRequestIds: ['r2', 'gone', 'r1'] });
    expect(approvalsOf(s, [request('r1'), request('r2')]).map((r) => r.id)).toEqual(['r2', 'r1']);
  });
});
