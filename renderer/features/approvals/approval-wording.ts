import type { ApprovalRequest, ApprovalState } from '../../../shared/api/approvals.ts';

export function stateLabel(state: ApprovalState): string {
  switch (state) {
    case 'pending':
      return 'Pending';
    case 'approved':
      return 'Approved';
    case 'denied':
      return 'Denied';
    case 'expired':
      return 'Expired';
    case 'cancelled':
      return 'Cancelled';
    case 'executed':
      return 'Executed';
    default:
      return state satisfies never;
  }
}

/** What the request would allow, in a short line for lists. */
export function scopeSummary(request: ApprovalRequest): string {
  const scope = request.scope;
  switch (scope.kind) {
    case 'statement': {
      const oneLine = scope.statement.replace(/\s+/g, ' ').trim();
      return oneLine.length > 120 ? `${oneLine.slice(0, 117)}…` : oneLine;
    }
    case 'session':
      return `Session access for ${Math.round(scope.durationMs / 60_000)} min`;
    case 'command': {
      const oneLine = scope.command.replace(/\s+/g, ' ').trim();
      return `$ ${oneLine.length > 118 ? `${oneLine.slice(0, 115)}…` : oneLine}`;
    }
    default:
      return scope satisfies never;
  }
}

export interface Verdict {
  decision: 'approve' | 'deny';
  by: string;
  comment: string;
  at: string;
}

/** The decision that closed the request (the last deny when denied, the last approval otherwise). */
export function finalVerdict(request: ApprovalRequest): Verdict | null {
  const wanted = request.state === 'denied' ? 'deny' : 'approve';
  for (let i = request.decisions.length - 1; i >= 0; i--) {
    const d = request.decisions[i]!;
    if (d.decision === wanted) return { decision: d.decision, by: d.approverName || d.approver, comment: d.comment, at: d.at };
  }
  return null;
}

/** "1 of 2 approvals" for N-of-M rules; null when one approval suffices. */
export function approvalProgress(request: ApprovalRequest): string | null {
  if (request.minApprovals <= 1) return null;
  const approvals = request.decisions.filter((d) => d.decision === 'approve').length;
  return `${approvals} of ${request.minApprovals} approvals`;
}

/** Who may approve, in words: "db-approvers", "db-approvers or dba (after escalation)". */
export function approverWords(request: ApprovalRequest): string {
  const groups = request.approverGroups.join(' or ') || 'nobody';
  if (request.escalationGroups.length === 0) return groups;
  const escalation = request.escalationGroups.join(' or ');
  return request.escalated ? `${groups} or ${escalation} (escalated)` : `${groups}; escalates to ${escalation}`;
}

/** The kind of work asked for, as the inbox labels it: the SQL class, or what SSH access. */
export function scopeClass(request: ApprovalRequest): string {
  const scope = request.scope;
  switch (scope.kind) {
    case 'statement':
      return scope.class;
    case 'session':
      return 'session access';
    case 'command':
      return 'ssh command';
    default:
      return scope satisfies never;
  }
}
