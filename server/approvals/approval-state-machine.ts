import type { ApprovalState } from '../../shared/api/approvals.ts';

/*
 * The life of an approval request:
 *
 *   pending ──decide──▶ approved ──redeem──▶ executed
 *      │                   │
 *      ├──decide (deny)──▶ denied
 *      ├──expire─────────▶ expired ◀── expire (approved but never redeemed in time)
 *      └──cancel─────────▶ cancelled ◀── cancel (approved, not yet redeemed)
 *
 * Every other move is refused. The database updates repeat the same guard
 * (`where state = <from>`), so two replicas racing on one request cannot both win.
 */

export interface CountedDecision {
  approver: string;
  decision: 'approve' | 'deny';
}

export type ApprovalTransition =
  /** `decisions` includes the one being made now. */
  | { kind: 'decide'; decisions: readonly CountedDecision[]; minApprovals: number }
  | { kind: 'cancel' }
  | { kind: 'expire' }
  | { kind: 'redeem' };

export type TransitionResult = { ok: true; state: ApprovalState } | { ok: false; reason: string };

export const FINAL_STATES: readonly ApprovalState[] = ['denied', 'expired', 'cancelled', 'executed'];

/** What a request's decisions add up to: one deny denies, N different approvers approve. */
export function outcomeOfDecisions(decisions: readonly CountedDecision[], minApprovals: number): 'pending' | 'approved' | 'denied' {
  if (decisions.some((d) => d.decision === 'deny')) return 'denied';
  const approvers = new Set(decisions.filter((d) => d.decision === 'approve').map((d) => d.approver));
  return approvers.size >= minApprovals ? 'approved' : 'pending';
}

export function nextState(current: ApprovalState, transition: ApprovalTransition): TransitionResult {
  switch (transition.kind) {
    case 'decide':
      if (current !== 'pending') return refused(current, 'decided');
      return { ok: true, state: outcomeOfDecisions(transition.decisions, transition.minApprovals) };
    case 'cancel':
      if (current !== 'pending' && current !== 'approved') return refused(current, 'cancelled');
      return { ok: true, state: 'cancelled' };
    case 'expire':
      if (current !== 'pending' && current !== 'approved') return refused(current, 'expired');
      return { ok: true, state: 'expired' };
    case 'redeem':
      if (current === 'executed') return { ok: false, reason: 'the approval was already used: it is single-use' };
      if (current !== 'approved') return refused(current, 'redeemed');
      return { ok: true, state: 'executed' };
    default:
      return transition satisfies never;
  }
}

function refused(current: ApprovalState, verb: string): TransitionResult {
  return { ok: false, reason: `a request that is ${describeState(current)} cannot be ${verb}` };
}

export function describeState(state: ApprovalState): string {
  switch (state) {
    case 'pending':
      return 'pending';
    case 'approved':
      return 'already approved';
    case 'denied':
      return 'already denied';
    case 'expired':
      return 'expired';
    case 'cancelled':
      return 'cancelled';
    case 'executed':
      return 'already executed';
    default:
      return state satisfies never;
  }
}
