import { z } from 'zod';
import { statementClassSchema } from './statement-class.ts';
import type { StatementClass } from './statement-class.ts';

// The classifier's output contract. The interfaces are the API other code programs against; the zod
// schemas validate the same shapes when a classification crosses a process boundary (audit events,
// approval requests). Each schema is typed `z.ZodType<Interface>`, so the two cannot drift apart.

export interface RelationRef {
  schema: string | null;
  name: string;
}

export type SessionEffect =
  | { kind: 'prepare'; name: string; classification: StatementClassification }
  /** `name: null` means DEALLOCATE ALL. */
  | { kind: 'deallocate'; name: string | null }
  /**
   * `value: null` means the new value is not statically known: a reset to the server-side default, or a
   * set_config() call inside a query that may or may not run. Re-read it from the server (ParameterStatus
   * or SHOW) rather than guessing. `local` is true for SET LOCAL / set_config(..., true).
   */
  | { kind: 'set'; name: string; value: string | null; local: boolean }
  /** RESET ALL (or DISCARD ALL): every parameter the proxy tracks is back at its server default. */
  | { kind: 'reset-all' }
  | { kind: 'declare-cursor'; name: string; class: StatementClass }
  /** `name: null` means CLOSE ALL. */
  | { kind: 'close-cursor'; name: string | null };

export interface StatementClassification {
  class: StatementClass;
  /** The parse-tree node type of the statement, e.g. 'SelectStmt'. */
  kind: string;
  reasons: string[];
  export: boolean;
  relationsRead: RelationRef[];
  relationsWritten: RelationRef[];
  functions: string[];
  fingerprint: string;
  text: string;
  effects: SessionEffect[];
}

export interface SqlClassification {
  class: StatementClass;
  statements: StatementClassification[];
  export: boolean;
  relationsRead: RelationRef[];
  relationsWritten: RelationRef[];
  functions: string[];
  /** Fingerprint of the whole text. */
  fingerprint: string;
  effects: SessionEffect[];
}

/** What classifySql made of text it could classify. */
export interface ClassifiedSql {
  ok: true;
  classification: SqlClassification;
  /** Some statement named a prepared statement (EXECUTE): the same text may mean something else later. */
  readPreparedStatements: boolean;
}

export type ClassifyResult = ClassifiedSql | { ok: false; error: string; position?: number };

export const relationRefSchema: z.ZodType<RelationRef> = z.object({
  schema: z.string().nullable(),
  name: z.string(),
});

export const sessionEffectSchema: z.ZodType<SessionEffect> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('prepare'), name: z.string(), classification: statementClassificationSchema }),
    z.object({ kind: z.literal('deallocate'), name: z.string().nullable() }),
    z.object({ kind: z.literal('set'), name: z.string(), value: z.string().nullable(), local: z.boolean() }),
    z.object({ kind: z.literal('reset-all') }),
    z.object({ kind: z.literal('declare-cursor'), name: z.string(), class: statementClassSchema }),
    z.object({ kind: z.literal('close-cursor'), name: z.string().nullable() }),
  ]),
);

export const statementClassificationSchema: z.ZodType<StatementClassification> = z.lazy(() =>
  z.object({
    class: statementClassSchema,
    kind: z.string(),
    reasons: z.array(z.string()),
    export: z.boolean(),
    relationsRead: z.array(relationRefSchema),
    relationsWritten: z.array(relationRefSchema),
    functions: z.array(z.string()),
    fingerprint: z.string(),
    text: z.string(),
    effects: z.array(sessionEffectSchema),
  }),
);

export const sqlClassificationSchema: z.ZodType<SqlClassification> = z.object({
  class: statementClassSchema,
  statements: z.array(statementClassificationSchema),
  export: z.boolean(),
  relationsRead: z.array(relationRefSchema),
  relationsWritten: z.array(relationRefSchema),
  functions: z.array(z.string()),
  fingerprint: z.string(),
  effects: z.array(sessionEffectSchema),
});
