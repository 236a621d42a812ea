import { z } from 'zod';
import { approvalRequestSchema } from '../api/approvals.ts';

/*
 * The query pane: a run streams columns, row batches, notices, an approval wait and a final
 * outcome as events tagged with its queryId.
 */

export const queryRunParamsSchema = z.object({
  connection: z.string().min(1),
  sql: z.string().min(1).max(1_000_000),
  /** Sent as `SET gatehouse.justification` before the statement when a rule asks for one. */
  justification: z.string().max(2000).optional(),
  /** The pane's tab: statements of one tab share one database session (transactions, SET). */
  tabId: z.string().min(1).max(100),
});
export const queryRunResultSchema = z.object({ queryId: z.string() });
export const queryIdParamsSchema = z.object({ queryId: z.string() });

export const maskedColumnSchema = z.object({
  /** The masking rule's column, e.g. `public.customers.email`. */
  rule: z.string(),
  style: z.string(),
});

export const queryColumnSchema = z.object({
  name: z.string(),
  typeName: z.string(),
  /** Set when the proxy masks this column's values. */
  masked: maskedColumnSchema.nullable(),
});
export type QueryColumn = z.infer<typeof queryColumnSchema>;

export const queryEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('columns'), queryId: z.string(), columns: z.array(queryColumnSchema) }),
  /** Text values, as the server sent them (masked ones already masked); null is SQL NULL. */
  z.object({ kind: z.literal('rows'), queryId: z.string(), rows: z.array(z.array(z.string().nullable())), total: z.number().int() }),
  z.object({ kind: z.literal('notice'), queryId: z.string(), severity: z.string(), message: z.string() }),
  /** The statement is held for approval; the pane shows this request until it resolves. */
  z.object({ kind: z.literal('waiting'), queryId: z.string(), request: approvalRequestSchema }),
  z.object({ kind: z.literal('done'), queryId: z.string(), command: z.string(), rowCount: z.number().int().nullable(), durationMs: z.number() }),
  z.object({
    kind: z.literal('failed'),
    queryId: z.string(),
    sqlstate: z.string().nullable(),
    message: z.string(),
    detail: z.string().nullable(),
    hint: z.string().nullable(),
    /** The rule needs a justification: the pane asks for one and runs again. */
    needsJustification: z.boolean(),
    durationMs: z.number(),
  }),
]);
export type QueryEvent = z.infer<typeof queryEventSchema>;

export const exportParamsSchema = z.object({ queryId: z.string(), format: z.enum(['csv', 'tsv']) });
/** Export is subject to policy: refused when the connection's policy blocks export. */
export const exportResultSchema = z.object({ path: z.string().nullable(), content: z.string().nullable() });
