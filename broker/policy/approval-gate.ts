import type { ApprovalCreate, ApprovalRequest } from '../../shared/api/approvals.ts';

/**
 * What the proxy needs from the policy server to hold a statement for approval. The server
 * client implements it; keeping it this narrow lets the proxy be tested with the real server
 * and still run offline (no gate: `approve` is refused).
 */
export interface ApprovalGate {
  create(request: ApprovalCreate): Promise<ApprovalRequest>;
  /** Resolves when the request leaves `pending` (approved, denied, expired, cancelled). */
  waitForDecision(id: string, signal: AbortSignal): Promise<ApprovalRequest>;
  cancel(id: string): Promise<void>;
  /** Single use, for exactly this statement; rejects when replayed, altered or foreign. */
  redeem(id: string, statement: string, fingerprint: string, brokerSessionId: string): Promise<ApprovalRequest>;
  /** An approved, unredeemed request of mine for exactly this statement (non-waiting mode re-runs). */
  findApproved(connection: string, statement: string, fingerprint: string): Promise<ApprovalRequest | null>;
}

/** The request a statement is held on, so a client's cancel can withdraw it. */
export interface HeldStatement {
  requestId: string | null;
  abort: AbortController;
}

export function describeWait(r: ApprovalRequest): string {
  const groups = r.escalated ? [...r.approverGroups, ...r.escalationGroups] : r.approverGroups;
  const n = r.minApprovals > 1 ? `${r.minApprovals} approvals` : 'approval';
  return `gatehouse: statement held for ${n} by ${groups.join(', ')} (request ${r.id}, rule "${r.rule}"); it runs when approved, expires at ${r.expiresAt}. Cancel (Ctrl-C) withdraws the request.`;
}

export function describeOutcome(r: ApprovalRequest): string {
  const last = [...r.decisions].reverse().find((d) => d.decision === 'deny');
  switch (r.state) {
    case 'denied':
      return `gatehouse: request ${r.id} was denied by ${last?.approverName ?? 'an approver'}${last !== undefined && last.comment !== '' ? `: ${last.comment}` : ''}`;
    case 'expired':
      return `gatehouse: request ${r.id} expired at ${r.expiresAt} without enough approvals; it counts as a denial`;
    case 'cancelled':
      return `gatehouse: request ${r.id} was cancelled`;
    case 'approved':
    case 'executed':
    case 'pending':
      return `gatehouse: request ${r.id} is ${r.state}`;
    default:
      return r.state satisfies never;
  }
}
