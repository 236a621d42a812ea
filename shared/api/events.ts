import { z } from 'zod';
import { approvalRequestSchema } from './approvals.ts';

/**
 * Server-sent events on GET /v1/events. Each carries a monotonically increasing id (the SSE
 * `id:` field) so a reconnecting client resumes with Last-Event-ID and misses nothing.
 */
export const serverEventSchema = z.discriminatedUnion('type', [
  /** A new request the receiver may decide (approvers' inboxes). */
  z.object({ type: z.literal('approval.requested'), request: approvalRequestSchema }),
  /** Any state change of a request the receiver made or may decide. */
  z.object({ type: z.literal('approval.updated'), request: approvalRequestSchema }),
  z.object({ type: z.literal('policy.changed'), connection: z.string(), version: z.number().int() }),
  /** An auditor or admin ended a live session; the broker holding it ends it at once. */
  z.object({ type: z.literal('session.kill'), sessionId: z.string(), by: z.string(), reason: z.string() }),
]);
export type ServerEvent = z.infer<typeof serverEventSchema>;
