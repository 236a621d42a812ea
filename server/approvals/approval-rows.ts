import type { ApprovalRequest, ApprovalState } from '../../shared/api/approvals.ts';

/** One row of approval_requests as the store returns it. */
export interface ApprovalRow {
  id: string;
  state: ApprovalState;
  connection: string;
  requester: string;
  requester_name: string;
  requester_machine: boolean;
  scope: ApprovalRequest['scope'];
  statement_fingerprint: string | null;
  rule: string;
  policy_version: number;
  justification: string | null;
  approver_groups: string[];
  escalation_groups: string[];
  escalated: boolean;
  min_approvals: number;
  broker_session_id: string;
  created_at: Date;
  expires_at: Date;
  escalate_at: Date | null;
  decided_at: Date | null;
  redeemed_at: Date | null;
}

export interface DecisionRow {
  request_id: string;
  approver: string;
  approver_name: string;
  decision: 'approve' | 'deny';
  comment: string;
  at: Date;
}

export const REQUEST_COLUMNS =
  'id::text as id, state, connection, requester, requester_name, requester_machine, scope, statement_fingerprint, rule, policy_version, ' +
  'justification, approver_groups, escalation_groups, escalated, min_approvals, broker_session_id, created_at, expires_at, escalate_at, decided_at, redeemed_at';

export const DECISION_COLUMNS = 'request_id::text as request_id, approver, approver_name, decision, comment, at';

/** The API view of a row; `cannotDecideReason` is per caller and added by whoever answers one. */
export function requestFromRows(row: ApprovalRow, decisions: readonly DecisionRow[]): ApprovalRequest {
  return {
    id: row.id,
    state: row.state,
    connection: row.connection,
    requester: row.requester,
    requesterName: row.requester_name,
    requesterMachine: row.requester_machine,
    scope: row.scope,
    rule: row.rule,
    policyVersion: Number(row.policy_version),
    justification: row.justification,
    approverGroups: row.approver_groups,
    escalationGroups: row.escalation_groups,
    escalated: row.escalated,
    minApprovals: Number(row.min_approvals),
    decisions: decisions.map((d) => ({
      approver: d.approver,
      approverName: d.approver_name,
      decision: d.decision,
      comment: d.comment,
      at: d.at.toISOString(),
    })),
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    escalateAt: row.escalate_at?.toISOString() ?? null,
    decidedAt: row.decided_at?.toISOString() ?? null,
  };
}
