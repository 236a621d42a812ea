import { describe, expect, it } from 'vitest';
import { canDecide, groupInbox, mergeRequests, newestFirst, upsertRequest } from '../../../renderer/features/approvals/approval-inbox.ts';
import { approvalProgress, approverWords, finalVerdict, scopeClass, scopeSummary, stateLabel } from '../../../renderer/features/approvals/approval-wording.ts';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';

function request(id: string, createdAt: string, overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id,
    state: 'pending',
    connection: 'demo',
    requester: 'alice-sub',
    requesterName: 'alice',
    requesterMachine: false,
    scope: { kind: 'statement', statement: 'update customers\n  set tier = 2', fingerprint: 'f', class: 'write' },
    rule: 'writes',
    policyVersion: 3,
    justification: null,
    approverGroups: ['db-approvers'],
    escalationGroups: [],
    escalated: false,
    minApprovals: 1,
    decisions: [],
    createdAt,
    expiresAt: '2025-01-01T01:00:00Z',
    escalateAt: null,
    decidedAt: null,
    cannotDecideReason: null,
    ...overrides,
  };
}

describe('inbox ordering and grouping', () => {
  const older = request('r1', '2025-01-01T00:00:00Z');
  const newer = request('r2', '2025-01-01T00:05:00Z');
  const mine = request('r3', '2025-01-01T00:03:00Z', { requester: 'bob-sub', requesterName: 'bob', cannotDecideReason: 'you cannot approve your own request' });
  const decided = request('r4', '2025-01-01T00:04:00Z', { state: 'denied', cannotDecideReason: 'already decided' });
  const notMine = request('r5', '2025-01-01T00:02:00Z', { cannotDecideReason: 'you are not in db-approvers' });

  it('sorts newest first', () => {
    expect(newestFirst([older, newer, mine]).map((r) => r.id)).toEqual(['r2', 'r3', 'r1']);
  });

  it('groups what I may decide, my own, and the rest', () => {
    const groups = groupInbox([older, newer, mine, decided, notMine], 'bob-sub');
    expect(groups.toDecide.map((r) => r.id)).toEqual(['r2', 'r1']);
    expect(groups.mine.map((r) => r.id)).toEqual(['r3']);
    expect(groups.other.map((r) => r.id)).toEqual(['r4', 'r5']);
    expect(canDecide(mine)).toBe(false);
    expect(canDecide(decided)).toBe(false);
  });

  it('upserts a changed request in place of the old one', () => {
    const list = upsertRequest([older, newer], { ...older, state: 'approved' });
    expect(list.map((r) => [r.id, r.state])).toEqual([
      ['r2', 'pending'],
      ['r1', 'approved'],
    ]);
  });

  it('merges a fresh inbox but keeps requests that left it', () => {
    const merged = mergeRequests([older, decided], [{ ...newer }, { ...older, state: 'expired' }]);
    expect(merged.map((r) => [r.id, r.state])).toEqual([
      ['r2', 'pending'],
      ['r4', 'denied'],
      ['r1', 'expired'],
    ]);
  });
});

describe('approval wording', () => {
  it('labels every state', () => {
    expect(['pending', 'approved', 'denied', 'expired', 'cancelled', 'executed'].map((s) => stateLabel(s as ApprovalRequest['state']))).toEqual(['Pending', 'Approved', 'Denied', 'Expired', 'Cancelled', 'Executed']);
  });

  it('summarises each kind of scope on one line', () => {
    const r = request('r', '2025-01-01T00:00:00Z');
    expect(scopeSummary(r)).toBe('update customers set tier = 2');
    expect(scopeClass(r)).toBe('write');
    expect(scopeSummary({ ...r, scope: { kind: 'statement', statement: 'x'.repeat(300), fingerprint: 'f', class: 'write' } })).toHaveLength(118);
    expect(scopeSummary({ ...r, scope: { kind: 'session', durationMs: 30 * 60_000 } })).toBe('Session access for 30 min');
    expect(scopeClass({ ...r, scope: { kind: 'session', durationMs: 1 } })).toBe('session access');
    expect(scopeSummary({ ...r, scope: { kind: 'command', command: 'sudo  systemctl restart app' } })).toBe('$ sudo systemctl restart app');
    expect(scopeClass({ ...r, scope: { kind: 'command', command: 'ls' } })).toBe('ssh command');
  });

  it('finds the decision that closed the request', () => {
    const r = request('r', '2025-01-01T00:00:00Z', {
      state: 'denied',
      decisions: [
        { approver: 'c', approverName: 'carol', decision: 'approve', comment: 'fine', at: '1' },
        { approver: 'b', approverName: '', decision: 'deny', comment: 'not in prod hours', at: '2' },
      ],
    });
    expect(finalVerdict(r)).toEqual({ decision: 'deny', by: 'b', comment: 'not in prod hours', at: '2' });
    expect(finalVerdict({ ...r, state: 'approved' })).toEqual({ decision: 'approve', by: 'carol', comment: 'fine', at: '1' });
    expect(finalVerdict({ ...r, decisions: [] })).toBeNull();
  });

  it('describes N-of-M progress and who may approve', () => {
    const r = request('r', '2025-01-01T00:00:00Z', { minApprovals: 2, decisions: [{ approver: 'c', approverName: 'carol', decision: 'approve', comment: '', at: '1' }] });
    expect(approvalProgress(r)).toBe('1 of 2 approvals');
    expect(approvalProgress({ ...r, minApprovals: 1 })).toBeNull();
    expect(approverWords(r)).toBe('db-approvers');
    expect(approverWords({ ...r, escalationGroups: ['dba'] })).toBe('db-approvers; escalates to dba');
    expect(approverWords({ ...r, escalationGroups: ['dba'], escalated: true })).toBe('db-approvers or dba (escalated)');
  });
});
