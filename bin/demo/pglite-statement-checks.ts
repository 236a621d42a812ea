import type { parseSync } from 'libpg-query';
import { loadPgQuery, pgQuery } from '../../shared/sql/pg-query-module.ts';

/**
 * What the PGlite wire server must know about SQL text before it reaches the shared backend:
 * whether it begins, ends or alters a transaction block (which must not land in another
 * connection's open transaction, where a COMMIT would end the other one's work), and whether it
 * is a COPY that PGlite cannot do over the wire (COPY FROM STDIN ends its only backend; files
 * and programs would be those of its virtual file system). Text the parser cannot read is
 * answered no to both: PGlite refuses it as well.
 */

export interface StatementTraits {
  controlsTransaction: boolean;
  unsupportedCopy: boolean;
}

export async function loadStatementParser(): Promise<void> {
  await loadPgQuery();
}

export function statementTraits(sql: string): StatementTraits {
  const traits: StatementTraits = { controlsTransaction: false, unsupportedCopy: false };
  let statements: ReturnType<typeof parseSync>['stmts'];
  try {
    statements = pgQuery().parseSync(sql).stmts;
  } catch {
    return traits;
  }
  for (const { stmt } of statements ?? []) {
    if (stmt === undefined) continue;
    if ('TransactionStmt' in stmt) traits.controlsTransaction = true;
    if ('CopyStmt' in stmt) {
      const copy = stmt.CopyStmt;
      // Only COPY ... TO STDOUT works: no file name means STDIN or STDOUT.
      if (copy.is_from === true || copy.is_program === true || copy.filename !== undefined) traits.unsupportedCopy = true;
    }
  }
  return traits;
}
