import { z } from 'zod';
import { approvalRequestSchema } from '../api/approvals.ts';
import { policyDiffSchema, policyVersionSchema } from '../api/connections.ts';

/*
 * Admin views (policy history, diff, validation and editing) and the auditor's downloads and
 * query-session timelines. The server decides who may do what; these only carry it.
 */

export const policyHistoryResultSchema = z.object({ versions: z.array(policyVersionSchema) });

export const policyDiffParamsSchema = z.object({
  connection: z.string().min(1),
  from: z.number().int().positive(),
  to: z.number().int().positive(),
});
export const policyDiffResultSchema = policyDiffSchema;

/** The editor's text: a policy is a small document, never megabytes. */
const policyText = z.string().max(1024 * 1024);

export const validatePolicyParamsSchema = z.object({
  yaml: policyText,
  /** When given, a policy written for another connection is an error, as the server will say. */
  connection: z.string().min(1).optional(),
});

/** One problem, where the editor should underline it (1-based line and column). */
export const policyProblemSchema = z.object({
  line: z.number().int(),
  column: z.number().int(),
  /** Dotted path into the document, e.g. `rules.1.action`; empty for the whole document. */
  path: z.string(),
  message: z.string(),
});
export type PolicyProblem = z.infer<typeof policyProblemSchema>;

export const validatePolicyResultSchema = z.object({ ok: z.boolean(), errors: z.array(policyProblemSchema) });
export type ValidatePolicyResult = z.infer<typeof validatePolicyResultSchema>;

export const updatePolicyParamsSchema = z.object({
  connection: z.string().min(1),
  yaml: policyText.min(1),
  /** Kept with the new version in the policy history. */
  reason: z.string().trim().min(1).max(1000),
});
/** The connection's policy version after the change (unchanged text keeps the current one). */
export const updatePolicyResultSchema = z.object({ version: z.number().int() });

/** The largest recording or evidence bundle the bridge carries as one answer. */
export const RECORDING_DOWNLOAD_MAX_BYTES = 200 * 1024 * 1024;

export const recordingDownloadParamsSchema = z.object({
  id: z.string().min(1).max(200),
  format: z.enum(['cast', 'evidence']),
});
export const recordingDownloadResultSchema = z.object({
  /** What the server suggests saving it as: `gatehouse-recording-<id>.cast` or `gatehouse-evidence-<id>.tar`. */
  filename: z.string(),
  /** The file's bytes, base64. */
  base64: z.string(),
  bytes: z.number().int().nonnegative(),
});

/**
 * A query session is what the audit records call `sessionId` (one client connection through a
 * local listener). The connection narrows the search; user and time bounds narrow it further.
 */
export const sessionTimelineParamsSchema = z.object({
  sessionId: z.string().min(1).max(200),
  connection: z.string().min(1),
  user: z.string().min(1).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
});

export const timelineStatementSchema = z.object({
  /** The `statement` audit record's id and sequence number. */
  id: z.string(),
  seq: z.number().int(),
  time: z.string(),
  text: z.string(),
  class: z.string().nullable(),
  decision: z.string().nullable(),
  rule: z.string().nullable(),
  /** done: a result was recorded; error: it failed (see `error`); unknown: no result on record. */
  outcome: z.enum(['done', 'error', 'unknown']),
  durationMs: z.number().nullable(),
  rows: z.number().int().nullable(),
  maskedColumns: z.array(z.string()),
  error: z.object({ sqlstate: z.string(), message: z.string() }).nullable(),
  approvalRequestIds: z.array(z.string()),
});
export type TimelineStatement = z.infer<typeof timelineStatementSchema>;

export const sessionTimelineSchema = z.object({
  sessionId: z.string(),
  connection: z.string(),
  user: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  statements: z.array(timelineStatementSchema),
  /** The requests the statements cite, with their decisions, as far as the caller may read them. */
  approvals: z.array(approvalRequestSchema),
  /** True when the search stopped at its limit before the session's end was found. */
  truncated: z.boolean(),
});
export type SessionTimeline = z.infer<typeof sessionTimelineSchema>;
