import { z } from 'zod';
import { statementClassSchema } from '../sql/statement-class.ts';
import { connectionNameSchema } from './connections.ts';

export const approvalStateSchema = z.enum(['pending', 'approved', 'denied', 'expired', 'cancelled', 'executed']);
export type ApprovalState = z.infer<typeof approvalStateSchema>;

/** POST /v1/approvals: the broker asks for approval of one exact statement (or a session scope). */
export const approvalCreateSchema = z.object({
  connection: connectionNameSchema,
  scope: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('statement'), statement: z.string().min(1), fingerprint: z.string(), class: statementClassSchema }),
    /** JIT access to a whole session (SSH), for a duration. */
    z.object({ kind: z.literal('session'), durationMs: z.number().int().positive() }),
    /** One exact SSH exec command line; the approval runs that command once. */
    z.object({ kind: z.literal('command'), command: z.string().min(1).max(100_000) }),
  ]),
  rule: z.string().min(1),
  policyVersion: z.number().int().positive(),
  justification: z.string().max(2000).optional(),
  brokerSessionId: z.string().min(1),
});
export type ApprovalCreate = z.infer<typeof approvalCreateSchema>;

/**
 * The `rule` an SSH request names: a session approval (`ssh.session.approval`), or an exec
 * command no `ssh.exec` rule matched (`ssh.exec_default: approve`). Exec commands a rule
 * matched name that rule.
 */
export const SSH_SESSION_RULE = 'ssh.session';
export const SSH_EXEC_DEFAULT_RULE = 'ssh.exec_default';

export const approvalDecisionSchema = z.object({
  approver: z.string(),
  approverName: z.string(),
  decision: z.enum(['approve', 'deny']),
  comment: z.string(),
  at: z.string(),
});

export const approvalRequestSchema = z.object({
  id: z.string(),
  state: approvalStateSchema,
  connection: connectionNameSchema,
  requester: z.string(),
  requesterName: z.string(),
  requesterMachine: z.boolean(),
  scope: approvalCreateSchema.shape.scope,
  rule: z.string(),
  policyVersion: z.number().int(),
  justification: z.string().nullable(),
  approverGroups: z.array(z.string()),
  escalationGroups: z.array(z.string()),
  escalated: z.boolean(),
  minApprovals: z.number().int().positive(),
  decisions: z.array(approvalDecisionSchema),
  createdAt: z.string(),
  expiresAt: z.string(),
  escalateAt: z.string().nullable(),
  decidedAt: z.string().nullable(),
  /** Why the caller may not decide it (own request, not an approver, already decided), if so. */
  cannotDecideReason: z.string().nullable().optional(),
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

/** POST /v1/approvals/:id/decision */
export const decideSchema = z.object({
  decision: z.enum(['approve', 'deny']),
  comment: z.string().max(2000).default(''),
});

/** POST /v1/approvals/:id/redeem: single use, for exactly the statement that was approved. */
export const redeemSchema = z.object({
  statement: z.string(),
  fingerprint: z.string(),
  brokerSessionId: z.string(),
});
export const redeemResponseSchema = z.object({ ok: z.literal(true), request: approvalRequestSchema });

/** GET /v1/approvals, /v1/approvals/inbox */
export const approvalListSchema = z.object({ requests: z.array(approvalRequestSchema) });
export const approvalListQuerySchema = z.object({
  /** true: the caller's own requests; otherwise every request (auditors and admins). */
  mine: z.enum(['true', 'false']).optional(),
  state: approvalStateSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export const approvalIdParamsSchema = z.object({ id: z.string() });
