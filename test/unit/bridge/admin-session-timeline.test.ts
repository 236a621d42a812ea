import { describe, expect, it } from 'vitest';
import { loadSessionTimeline, sessionTimelineOf, type TimelineSource } from '../../../broker/bridge/session-timeline.ts';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import type { AuditRecord } from '../../../shared/api/audit.ts';
import { sessionTimelineSchema } from '../../../shared/bridge/admin-bridge.ts';
import type { AuditSearchQuery } from '../../../broker/server-client/api-client.ts';

let seq = 0;
function record(kind: string, sessionId: string, event: Record<string, unknown> = {}, extra: Partial<AuditRecord> = {}): AuditRecord {
  seq += 1;
  const id = `00000000-0000-7000-8000-${String(seq).padStart(12, '0')}`;
  return {
    seq,
    id,
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
    source: 'broker',
    kind,
    actor: 'alice',
    actorMachine: false,
    connection: 'crm',
    statementClass: null,
    decision: 'allow',
    text: null,
    event: { id, kind, sessionId, connection: 'crm', rule: null, ...event },
    prevHash: 'x',
    hash: 'y',
    ...extra,
  };
}

function statement(sessionId: string, text: string, cls: string, decision: string, rule: string | null, approvalRequestId?: string): AuditRecord {
  return record(
    'statement',
    sessionId,
    { statement: { text, class: cls, fingerprint: 'f', protocol: 'simple' }, rule, decision, ...(approvalRequestId === undefined ? {} : { approvalRequestId }) },
    { statementClass: cls, decision, text },
  );
}

function result(sessionId: string, of: AuditRecord, fields: Record<string, unknown>, decision = 'allow'): AuditRecord {
  return record('statement_result', sessionId, { statementId: of.id, decision, ...fields }, { decision });
}

function approval(id: string): ApprovalRequest {
  return {
    id,
    state: 'executed',
    connection: 'crm',
    requester: 'alice-sub',
    requesterName: 'alice',
    requesterMachine: false,
    scope: { kind: 'statement', statement: 'update notes set body = 1', fingerprint: 'f', class: 'write' },
    rule: 'writes',
    policyVersion: 1,
    justification: null,
    approverGroups: ['db-approvers'],
    escalationGroups: [],
    escalated: false,
    minApprovals: 1,
    decisions: [{ approver: 'bob-sub', approverName: 'bob', decision: 'approve', comment: 'ok', at: '2025-01-01T00:00:10.000Z' }],
    createdAt: '2025-01-01T00:00:05.000Z',
    expiresAt: '2025-01-01T01:00:00.000Z',
    escalateAt: null,
    decidedAt: '2025-01-01T00:00:10.000Z',
  } as ApprovalRequest;
}

describe('sessionTimelineOf', () => {
  it('pairs each statement with its result, in order, with decision, rule, duration, rows, masking and approvals', () => {
    const start = record('session_start', 's1');
    const read = statement('s1', 'select email from customers', 'read', 'allow', 'reads');
    const readDone = result('s1', read, { rows: 3, durationMs: 4.5, maskedColumns: ['email'] });
    const write = statement('s1', 'update notes set body = 1', 'write', 'approve', 'writes', 'req-1');
    const blocked = statement('s1', 'drop table customers', 'ddl', 'block', 'no-ddl');
    const blockedResult = result('s1', blocked, { error: { sqlstate: '42501', message: 'blocked by no-ddl' }, durationMs: 0 }, 'block');
    const writeDone = result('s1', write, { rows: 1, durationMs: 12, approvalRequestId: 'req-1' });
    const end = record('session_end', 's1');
    const timeline = sessionTimelineOf('s1', 'crm', [start, read, readDone, write, blocked, blockedResult, writeDone, end], false);
    expect(sessionTimelineSchema.parse(timeline)).toEqual(timeline);
    expect(timeline).toMatchObject({ sessionId: 's1', connection: 'crm', user: 'alice', startedAt: start.time, endedAt: end.time, truncated: false });
    expect(timeline.statements).toEqual([
      { id: read.id, seq: read.seq, time: read.time, text: 'select email from customers', class: 'read', decision: 'allow', rule: 'reads', outcome: 'done', durationMs: 4.5, rows: 3, maskedColumns: ['email'], error: null, approvalRequestIds: [] },
      { id: write.id, seq: write.seq, time: write.time, text: 'update notes set body = 1', class: 'write', decision: 'approve', rule: 'writes', outcome: 'done', durationMs: 12, rows: 1, maskedColumns: [], error: null, approvalRequestIds: ['req-1'] },
      { id: blocked.id, seq: blocked.seq, time: blocked.time, text: 'drop table customers', class: 'ddl', decision: 'block', rule: 'no-ddl', outcome: 'error', durationMs: 0, rows: null, maskedColumns: [], error: { sqlstate: '42501', message: 'blocked by no-ddl' }, approvalRequestIds: [] },
    ]);
  });

  it('says unknown for a statement whose result never arrived (the broker died mid-flight)', () => {
    const lone = statement('s2', 'select 1', 'read', 'allow', null);
    expect(sessionTimelineOf('s2', 'crm', [lone], false).statements[0]).toMatchObject({ outcome: 'unknown', durationMs: null, rows: null });
  });
});

describe('loadSessionTimeline', () => {
  function source(records: AuditRecord[], approvals: Record<string, ApprovalRequest>, pageSize = 3): TimelineSource & { queries: AuditSearchQuery[] } {
    const queries: AuditSearchQuery[] = [];
    return {
      queries,
      searchAudit: async (query) => {
        queries.push(query);
        const after = Number(query.after ?? 0);
        const matching = records.filter((r) => r.seq > after && r.connection === query.connection);
        const page = matching.slice(0, pageSize);
        return { records: page, nextAfter: matching.length > pageSize ? page[page.length - 1]!.seq : null };
      },
      getApproval: async (id) => {
        const found = approvals[id];
        if (found === undefined) throw new Error('404');
        return found;
      },
    };
  }

  it('pages through the connection until the session ends, keeps only its records and reads the approvals it may', async () => {
    const other = statement('other', 'select 2', 'read', 'allow', null);
    const start = record('session_start', 's3');
    const write = statement('s3', 'update notes set body = 1', 'write', 'approve', 'writes', 'req-9');
    const done = result('s3', write, { rows: 1, durationMs: 3, approvalRequestId: 'req-9' });
    const hidden = statement('s3', 'update notes set body = 2', 'write', 'approve', 'writes', 'req-hidden');
    const end = record('session_end', 's3');
    const after = [statement('s3-later', 'select 3', 'read', 'allow', null), statement('s3-later', 'select 4', 'read', 'allow', null), statement('x', 'select 5', 'read', 'allow', null)];
    const src = source([other, start, write, done, hidden, end, ...after], { 'req-9': approval('req-9') });
    const timeline = await loadSessionTimeline(src, { sessionId: 's3', connection: 'crm', user: 'alice', from: '2025-01-01T00:00:00Z' });
    expect(timeline.statements.map((s) => s.text)).toEqual(['update notes set body = 1', 'update notes set body = 2']);
    expect(timeline.approvals.map((a) => a.id)).toEqual(['req-9']);
    expect(timeline.truncated).toBe(false);
    // Stopped at the page holding session_end: the records after it were never asked for.
    expect(src.queries).toHaveLength(2);
    expect(src.queries[0]).toMatchObject({ connection: 'crm', user: 'alice', from: '2025-01-01T00:00:00Z', limit: 1000 });
    expect(src.queries[0]!.after).toBeUndefined();
    expect(src.queries[1]!.after).toBe(write.seq);
  });

  it('stops at its record limit and says the timeline is truncated', async () => {
    const records = Array.from({ length: 20 }, (_, i) => statement(i === 0 ? 's4' : 'noise', `select ${i}`, 'read', 'allow', null));
    const timeline = await loadSessionTimeline(source(records, {}, 5), { sessionId: 's4', connection: 'crm' }, { maxRecords: 10 });
    expect(timeline.truncated).toBe(true);
    expect(timeline.statements).toHaveLength(1);
  });
});
