import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import { canDecide, cannotDecideReason, decidingGroups, mayRead, mayRequest } from '../../../server/approvals/decision-rules.ts';
import type { DecidableRequest } from '../../../server/approvals/decision-rules.ts';
import { agent, alice, auditingApprover, bob, carol, dave, erin, frank } from './principals.ts';

function request(overrides: Partial<DecidableRequest> = {}): DecidableRequest {
  return { state: 'pending', requester: 'alice', approverGroups: ['db-approvers'], escalationGroups: [], escalated: false, decisions: [], ...overrides };
}

function decision(approver: string, verdict: 'approve' | 'deny'): ApprovalRequest['decisions'][number] {
  return { approver, approverName: approver, decision: verdict, comment: '', at: '2025-01-01T00:00:00.000Z' };
}

describe('canDecide', () => {
  it('lets a member of an approver group decide someone else’s pending request', () => {
    expect(canDecide(request(), bob)).toEqual({ ok: true });
    expect(canDecide(request(), erin)).toEqual({ ok: true });
  });

  it('never lets the requester decide their own request, admins and approvers included', () => {
    expect(canDecide(request(), alice)).toEqual({ ok: false, status: 403, reason: 'you made this request' });
    expect(canDecide(request({ requester: 'frank' }), frank)).toEqual({ ok: false, status: 403, reason: 'you made this request' });
    expect(canDecide(request({ requester: 'bob' }), bob)).toMatchObject({ ok: false, status: 403, reason: 'you made this request' });
  });

  it('refuses admins and auditors who hold no approver group of the request', () => {
    expect(canDecide(request(), dave)).toEqual({ ok: false, status: 403, reason: 'you are not in db-approvers' });
    expect(canDecide(request(), carol)).toMatchObject({ ok: false, status: 403, reason: expect.stringMatching(/^auditors cannot decide/) });
    expect(canDecide(request({ approverGroups: ['dba-leads'] }), bob)).toEqual({ ok: false, status: 403, reason: 'you are not in dba-leads' });
  });

  it('counts membership only through approver groups, not plain groups', () => {
    // dave is in `admins`, but `admins` is not an approver group of his principal.
    expect(canDecide(request({ approverGroups: ['admins'] }), dave)).toMatchObject({ ok: false, status: 403 });
  });

  it('lets an auditor who is also in the approver group decide', () => {
    expect(canDecide(request(), auditingApprover)).toEqual({ ok: true });
  });

  it('refuses machine clients even in the approver group', () => {
    expect(canDecide(request(), agent)).toMatchObject({ ok: false, status: 403, reason: expect.stringMatching(/machine/) });
  });

  it('opens the request to the escalation groups only once escalated', () => {
    const before = request({ approverGroups: ['night-shift'], escalationGroups: ['db-approvers'] });
    expect(canDecide(before, bob)).toEqual({ ok: false, status: 403, reason: 'you are not in night-shift' });
    expect(canDecide({ ...before, escalated: true }, bob)).toEqual({ ok: true });
    expect(decidingGroups({ ...before, escalated: true })).toEqual(['night-shift', 'db-approvers']);
    expect(decidingGroups(before)).toEqual(['night-shift']);
  });

  it('refuses a request that is no longer pending with 409', () => {
    for (const state of ['approved', 'denied', 'expired', 'cancelled', 'executed'] as const) {
      const verdict = canDecide(request({ state }), bob);
      expect(verdict).toMatchObject({ ok: false, status: 409 });
      expect(cannotDecideReason(request({ state }), bob)).toMatch(/^already decided|expired|cancelled/);
    }
    expect(cannotDecideReason(request({ state: 'approved' }), bob)).toBe('already decided (already approved)');
  });

  it('counts each approver once: a second decision by the same person is refused', () => {
    expect(canDecide(request({ decisions: [decision('bob', 'approve')] }), bob)).toEqual({ ok: false, status: 409, reason: 'you already approved this request' });
    expect(canDecide(request({ decisions: [decision('bob', 'approve')] }), erin)).toEqual({ ok: true });
  });

  it('says why not, or null', () => {
    expect(cannotDecideReason(request(), bob)).toBeNull();
    expect(cannotDecideReason(request(), alice)).toBe('you made this request');
    expect(cannotDecideReason(request(), dave)).toBe('you are not in db-approvers');
  });
});

describe('mayRead', () => {
  it('lets the requester, eligible approvers (escalation included), auditors and admins read', () => {
    const r = request({ approverGroups: ['night-shift'], escalationGroups: ['db-approvers'] });
    expect(mayRead(r, alice)).toBe(true);
    expect(mayRead(r, bob)).toBe(true);
    expect(mayRead(r, carol)).toBe(true);
    expect(mayRead(r, dave)).toBe(true);
  });

  it('hides requests from other people', () => {
    const r = request({ requester: 'bob' });
    expect(mayRead(r, alice)).toBe(false);
    expect(mayRead(request({ approverGroups: ['dba-leads'] }), bob)).toBe(false);
  });

  it('keeps a request readable by someone who decided it', () => {
    expect(mayRead(request({ approverGroups: ['dba-leads'], decisions: [decision('bob', 'deny')] }), bob)).toBe(true);
  });
});

describe('mayRequest', () => {
  it('needs one of the connection’s allowed groups', () => {
    expect(mayRequest(alice, ['analysts'])).toEqual({ ok: true });
    expect(mayRequest(alice, ['admins'])).toMatchObject({ ok: false });
    expect(mayRequest(dave, ['analysts', 'admins'])).toEqual({ ok: true });
  });

  it('never lets an auditor request, whatever groups they hold', () => {
    expect(mayRequest(carol, ['auditors'])).toEqual({ ok: false, reason: 'auditors cannot request approvals' });
    expect(mayRequest(auditingApprover, ['db-approvers'])).toMatchObject({ ok: false });
  });
});
