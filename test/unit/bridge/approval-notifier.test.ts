import { describe, expect, it } from 'vitest';
import { ApprovalNotifier } from '../../../broker/bridge/approval-notifier.ts';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';

function request(overrides: Partial<ApprovalRequest>): ApprovalRequest {
  return {
    id: 'req-1',
    state: 'pending',
    connection: 'crm',
    requester: 'alice-sub',
    requesterName: 'alice',
    requesterMachine: false,
    scope: { kind: 'statement', statement: 'update customers\n   set balance = 0', fingerprint: 'f', class: 'write' },
    rule: 'writes',
    policyVersion: 1,
    justification: null,
    approverGroups: ['db-approvers'],
    escalationGroups: [],
    escalated: false,
    minApprovals: 1,
    decisions: [],
    createdAt: '2026-01-01T00:00:00Z',
    expiresAt: '2026-01-01T00:15:00Z',
    escalateAt: null,
    decidedAt: null,
    cannotDecideReason: null,
    ...overrides,
  };
}

describe('ApprovalNotifier', () => {
  it('tells an approver about a request they may decide, once, with a deep link', () => {
    const bob = new ApprovalNotifier('bob-sub');
    expect(bob.notificationFor(request({ justification: 'ticket 9' }))).toEqual({
      title: 'Approval requested on crm',
      body: 'alice asks to run a write statement: update customers set balance = 0 — “ticket 9”',
      deepLink: 'gatehouse://approvals/req-1',
    });
    expect(bob.notificationFor(request({}))).toBeNull();
    expect(bob.notificationFor(request({ id: 'req-2', cannotDecideReason: 'you already decided' }))).toBeNull();
    expect(bob.notificationFor(request({ id: 'req-3', state: 'approved' }))).toBeNull();
  });

  it('tells the requester the outcome, with the denial comment', () => {
    const alice = new ApprovalNotifier('alice-sub');
    expect(alice.notificationFor(request({}))).toBeNull();
    const denied = request({ state: 'denied', decisions: [{ approver: 'bob-sub', approverName: 'bob', decision: 'deny', comment: 'not today', at: '2026-01-01T00:01:00Z' }] });
    expect(alice.notificationFor(denied)).toEqual({ title: 'Denied on crm', body: 'bob denied a write statement: update customers set balance = 0: “not today”', deepLink: 'gatehouse://approvals/req-1' });
    expect(alice.notificationFor(denied)).toBeNull();
    expect(alice.notificationFor(request({ id: 'req-4', state: 'approved', decisions: [{ approver: 'b', approverName: 'bob', decision: 'approve', comment: '', at: 'x' }] }))?.title).toBe('Approved on crm');
    expect(alice.notificationFor(request({ id: 'req-5', state: 'expired' }))?.body).toContain('counts as denied');
    expect(alice.notificationFor(request({ id: 'req-6', state: 'cancelled' }))).toBeNull();
  });

  it('announces an approval once, whether the requester first hears "approved" or, after the redeem, "executed"', () => {
    const alice = new ApprovalNotifier('alice-sub');
    const approvedBy = { decisions: [{ approver: 'b', approverName: 'bob', decision: 'approve' as const, comment: '', at: 'x' }] };
    expect(alice.notificationFor(request({ id: 'req-7', state: 'executed', ...approvedBy }))).toMatchObject({ title: 'Approved on crm', body: expect.stringContaining('bob approved') });
    expect(alice.notificationFor(request({ id: 'req-7', state: 'approved', ...approvedBy }))).toBeNull();
    expect(alice.notificationFor(request({ id: 'req-8', state: 'approved', ...approvedBy }))?.title).toBe('Approved on crm');
    expect(alice.notificationFor(request({ id: 'req-8', state: 'executed', ...approvedBy }))).toBeNull();
  });
});
