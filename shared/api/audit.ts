import { z } from 'zod';
import { auditEventSchema } from '../audit/audit-event.ts';

/** POST /v1/audit/ingest: a batch from a broker's spool; idempotent by event id. */
export const auditIngestSchema = z.object({
  brokerId: z.string().min(1),
  events: z.array(auditEventSchema).max(5000),
});
export const auditIngestResponseSchema = z.object({ accepted: z.number().int(), duplicates: z.number().int() });

/** One row of the hash-chained log. `source` says who produced it: a broker's spool or the server. */
export const auditRecordSchema = z.object({
  seq: z.number().int().positive(),
  id: z.string(),
  time: z.string(),
  source: z.enum(['broker', 'server']),
  kind: z.string(),
  actor: z.string(),
  actorMachine: z.boolean(),
  connection: z.string().nullable(),
  statementClass: z.string().nullable(),
  decision: z.string().nullable(),
  text: z.string().nullable(),
  event: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;

/** GET /v1/audit/search */
export const auditSearchQuerySchema = z.object({
  user: z.string().optional(),
  connection: z.string().optional(),
  class: z.string().optional(),
  decision: z.string().optional(),
  kind: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  text: z.string().optional(),
  /** Page after this sequence number (keyset paging). */
  after: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const auditSearchPageSchema = z.object({
  records: z.array(auditRecordSchema),
  nextAfter: z.number().int().nullable(),
});

/** GET /v1/audit/verify */
export const auditVerifySchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  /** The first record whose stored hash or back-link does not match, if any. */
  firstBroken: z.object({ seq: z.number().int(), id: z.string(), reason: z.string() }).nullable(),
});
export type AuditVerify = z.infer<typeof auditVerifySchema>;
