import { z } from 'zod';

/*
 * Live SSH sessions as the server knows them: by the recordings their brokers are uploading.
 * A session's id is the broker's SSH session id, which recordings carry as `brokerSessionId`
 * and audit events as `sessionId`.
 */

export const sessionIdParamsSchema = z.object({ id: z.string().min(1).max(200) });

/** POST /v1/sessions/:id/kill (auditors and admins): the broker holding the session ends it within a second. */
export const sessionKillSchema = z.object({
  /** Shown to the person whose session ends, and kept in the audit log. */
  reason: z.string().trim().min(1).max(500).default('ended by an auditor or administrator'),
});
export type SessionKill = z.infer<typeof sessionKillSchema>;

export const sessionKillResultSchema = z.object({
  /** The broker session id the kill was sent for (a recording id given as :id is resolved to it). */
  sessionId: z.string(),
  /** Whose session it is (the name their recordings carry). */
  user: z.string(),
  connection: z.string(),
  reason: z.string(),
  /** The id of the `session.kill` server event, as in the SSE stream. */
  eventId: z.number().int(),
});
export type SessionKillResult = z.infer<typeof sessionKillResultSchema>;

/** One session with a recording still in progress. */
export const liveSessionSchema = z.object({
  sessionId: z.string(),
  user: z.string(),
  userMachine: z.boolean(),
  connection: z.string(),
  host: z.string(),
  startedAt: z.string(),
  /** The recordings of its shells and commands that have not ended yet. */
  recordings: z.array(z.string()),
});
export type LiveSession = z.infer<typeof liveSessionSchema>;

/** GET /v1/sessions: auditors and admins see every session, everyone else their own. */
export const liveSessionListSchema = z.object({ sessions: z.array(liveSessionSchema) });
export type LiveSessionList = z.infer<typeof liveSessionListSchema>;
