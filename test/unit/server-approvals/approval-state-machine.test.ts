import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approvalStateSchema } from '../../../shared/api/approvals.ts';
import type { ApprovalState } from '../../../shared/api/approvals.ts';
import { FINAL_STATES, nextState, outcomeOfDecisions } from '../../../server/approvals/approval-state-machine.ts';
import type { ApprovalTransition, CountedDecision } from '../../../server/approvals/approval-state-machine.ts';

const STATES = approvalStateSchema.options;

describe('outcomeOfDecisions', () => {
  it('approves when min_approvals different people approved', () => {
    expect(outcomeOfDecisions([{ approver: 'bob', decision: 'approve' }], 1)).toBe('approved');
    expect(outcomeOfDecisions([{ approver: 'bob', decision: 'approve' }], 2)).toBe('pending');
    expect(outcomeOfDecisions([{ approver: 'bob', decision: 'approve' }, { approver: 'erin', decision: 'approve' }], 2)).toBe('approved');
  });

  it('counts one approver once, however often they appear', () => {
    const twice: CountedDecision[] = [{ approver: 'bob', decision: 'approve' }, { approver: 'bob', decision: 'approve' }];
    expect(outcomeOfDecisions(twice, 2)).toBe('pending');
  });

  it('denies on a single deny, whatever the approvals', () => {
    const decisions: CountedDecision[] = [
      { approver: 'bob', decision: 'approve' },
      { approver: 'erin', decision: 'deny' },
      { approver: 'gina', decision: 'approve' },
    ];
    expect(outcomeOfDecisions(decisions, 2)).toBe('denied');
  });

  it('holds as a property: approved exactly when no deny and enough distinct approvers', () => {
    const decisionArb = fc.record({ approver: fc.constantFrom('a', 'b', 'c', 'd'), decision: fc.constantFrom<'approve' | 'deny'>('approve', 'deny') });
    fc.assert(
      fc.property(fc.array(decisionArb, { maxLength: 8 }), fc.integer({ min: 1, max: 4 }), (decisions, min) => {
        const outcome = outcomeOfDecisions(decisions, min);
        const denied = decisions.some((d) => d.decision === 'deny');
        const distinct = new Set(decisions.filter((d) => d.decision === 'approve').map((d) => d.approver)).size;
        expect(outcome).toBe(denied ? 'denied' : distinct >= min ? 'approved' : 'pending');
      }),
    );
  });
});

describe('nextState', () => {
  const approve: ApprovalTransition = { kind: 'decide', decisions: [{ approver: 'bob', decision: 'approve' }], minApprovals: 1 };

  it('follows pending → approved → executed', () => {
    expect(nextState('pending', approve)).toEqual({ ok: true, state: 'approved' });
    expect(nextState('approved', { kind: 'redeem' })).toEqual({ ok: true, state: 'executed' });
  });

  it('refuses a second redemption: approvals are single-use', () => {
    expect(nextState('executed', { kind: 'redeem' })).toEqual({ ok: false, reason: 'the approval was already used: it is single-use' });
  });

  it('redeems only approved requests', () => {
    for (const state of ['pending', 'denied', 'expired', 'cancelled'] as const) expect(nextState(state, { kind: 'redeem' }).ok).toBe(false);
  });

  it('decides only pending requests', () => {
    for (const state of STATES.filter((s) => s !== 'pending')) expect(nextState(state, approve).ok).toBe(false);
  });

  it('expires and cancels pending or approved-but-unused requests only', () => {
    for (const kind of ['expire', 'cancel'] as const) {
      const target = kind === 'expire' ? 'expired' : 'cancelled';
      expect(nextState('pending', { kind })).toEqual({ ok: true, state: target });
      expect(nextState('approved', { kind })).toEqual({ ok: true, state: target });
      for (const state of FINAL_STATES) expect(nextState(state, { kind }).ok).toBe(false);
    }
  });

  it('never leaves a final state, for any sequence of transitions', () => {
    const transitionArb = fc.oneof(
      fc.constant<ApprovalTransition>({ kind: 'cancel' }),
      fc.constant<ApprovalTransition>({ kind: 'expire' }),
      fc.constant<ApprovalTransition>({ kind: 'redeem' }),
      fc.record({
        kind: fc.constant('decide' as const),
        decisions: fc.array(fc.record({ approver: fc.constantFrom('a', 'b'), decision: fc.constantFrom<'approve' | 'deny'>('approve', 'deny') }), { minLength: 1, maxLength: 3 }),
        minApprovals: fc.integer({ min: 1, max: 2 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(transitionArb, { maxLength: 10 }), (transitions) => {
        let state: ApprovalState = 'pending';
        for (const transition of transitions) {
          const result = nextState(state, transition);
          if (FINAL_STATES.includes(state)) expect(result.ok).toBe(false);
          // `executed` is reachable only from `approved`, and only by redeeming.
          if (result.ok && result.state === 'executed') expect([state, transition.kind]).toEqual(['approved', 'redeem']);
          if (result.ok) state = result.state;
        }
      }),
    );
  });
});
