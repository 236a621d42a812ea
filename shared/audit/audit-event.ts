import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';

/*
 * One audit record, as spooled locally by the broker (one JSON line each) and shipped to the
 * server's hash-chained log.
 *
 * A SQL statement produces TWO records, on purpose:
 *   1. `statement` — written when the decision is made and BEFORE the statement is forwarded
 *      to the upstream. The audit must precede execution: if the broker is killed right after
 *      forwarding, the statement that may have run is still on record.
 *   2. `statement_result` — written when the outcome is known (rows, duration, error, masking
 *      applied), with `statementId` pointing at the `statement` record's `id`. None of that is
 *      knowable before forwarding, so it cannot live in the first record.
 * A `statement` without a matching `statement_result` therefore means "outcome unknown": the
 * broker died mid-flight, or the statement was refused after its record was written (for
 * example the spool failed right after). Readers must not read it as "succeeded".
 */

/** UUIDv7: time-ordered, so ids sort roughly by creation time across shards and replicas. */
export function newAuditEventId(): string {
  return uuidv7();
}

// New kinds may be added; readers that switch over `kind` must keep a default branch.
export const auditEventKindSchema = z.enum([
  'session_start',
  'session_end',
  'statement',
  'statement_result',
]);
export type AuditEventKind = z.infer<typeof auditEventKindSchema>;

/**
 * allow: forwarded as is. block: refused by policy. approve: held for a human approval
 * (`approvalRequestId` says which request). error: the broker could not decide or could not
 * run it (classifier failure, spool failure, upstream error) — always fail-closed.
 */
export const auditDecisionSchema = z.enum(['allow', 'block', 'approve', 'error']);
export type AuditDecision = z.infer<typeof auditDecisionSchema>;

export const auditActorSchema = z.object({
  /** The signed-in identity (OIDC subject or e-mail). */
  user: z.string().min(1),
  /** machine: an AI agent, CI job or script acting with the user's session. */
  kind: z.enum(['human', 'machine']),
  /** The OS account on the desktop, to tell apart several people sharing one sign-in. */
  localUser: z.string(),
});
export type AuditActor = z.infer<typeof auditActorSchema>;

export const auditStatementSchema = z.object({
  text: z.string(),
  /** libpg-query fingerprint: groups statements that differ only in constants. */
  fingerprint: z.string(),
  /** The classifier's effect class (read, write, ddl, dangerous, unknown, …). */
  class: z.string().min(1),
  protocol: z.enum(['simple', 'extended']),
});
export type AuditStatement = z.infer<typeof auditStatementSchema>;

export const auditErrorSchema = z.object({
  sqlstate: z.string().regex(/^[0-9A-Z]{5}$/, 'a SQLSTATE is five digits or capital letters'),
  message: z.string(),
});
export type AuditError = z.infer<typeof auditErrorSchema>;

export const auditEventSchema = z
  .object({
    id: z.uuid({ version: 'v7' }),
    time: z.iso.datetime({ offset: true }),
    kind: auditEventKindSchema,
    actor: auditActorSchema,
    connection: z.string().min(1),
    sessionId: z.string().min(1),
    statement: auditStatementSchema.optional(),
    /** On `statement_result`: the `id` of the `statement` record it completes. */
    statementId: z.uuid().optional(),
    rule: z.string().nullable(),
    decision: auditDecisionSchema,
    rows: z.number().int().nonnegative().optional(),
    durationMs: z.number().nonnegative().optional(),
    maskedColumns: z.array(z.string()).optional(),
    error: auditErrorSchema.optional(),
    approvalRequestId: z.string().optional(),
  })
  .superRefine((event, ctx) => {
    if (event.kind === 'statement' && event.statement === undefined) {
      ctx.addIssue({ code: 'custom', path: ['statement'], message: 'a statement event carries the statement' });
    }
    if (event.kind === 'statement_result' && event.statementId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['statementId'],
        message: 'a statement_result event references its statement event',
      });
    }
  });
export type AuditEvent = z.infer<typeof auditEventSchema>;
