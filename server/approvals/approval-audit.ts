import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import { newAuditEventId } from '../../shared/audit/audit-event.ts';
import type { AuditRecordInput } from '../audit/audit-chain.ts';
import { SERVER_ACTOR as SERVER_ACTOR_NAME } from '../audit/server-audit-event.ts';

/** Every transition of a request leaves one of these in the hash-chained log. */
export type ApprovalAuditKind =
  | 'approval.requested'
  | 'approval.decided'
  | 'approval.escalated'
  | 'approval.expired'
  | 'approval.cancelled'
  | 'approval.redeemed'
  | 'approval.redeem_refused';

/** Who caused it: a person or machine client, or the server itself (expiry, escalation). */
export interface AuditActor {
  name: string;
  subject: string;
  machine: boolean;
}

export const SERVER_ACTOR: AuditActor = { name: SERVER_ACTOR_NAME, subject: SERVER_ACTOR_NAME, machine: true };

export function approvalAuditRecord(
  kind: ApprovalAuditKind,
  actor: AuditActor,
  request: ApprovalRequest,
  extra: { decision?: string | null; details?: Record<string, unknown> } = {},
): AuditRecordInput {
  const scope = request.scope;
  return {
    id: newAuditEventId(),
    time: new Date().toISOString(),
    source: 'server',
    kind,
    actor: actor.name,
    actorMachine: actor.machine,
    connection: request.connection,
    statementClass: scope.kind === 'statement' ? scope.class : null,
    decision: extra.decision ?? null,
    text: scope.kind === 'statement' ? scope.statement : scope.kind === 'command' ? scope.command : null,
    event: {
      requestId: request.id,
      actorSubject: actor.subject,
      state: request.state,
      requester: request.requester,
      rule: request.rule,
      policyVersion: request.policyVersion,
      approverGroups: request.approverGroups,
      escalationGroups: request.escalationGroups,
      escalated: request.escalated,
      minApprovals: request.minApprovals,
      scope: scope.kind === 'statement' ? { kind: 'statement', fingerprint: scope.fingerprint, class: scope.class } : scope,
      ...extra.details,
    },
  };
}
