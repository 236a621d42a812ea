import { evaluateStatement } from '../../shared/policy/evaluate.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import { classifySql, emptyClassifyContext, initSqlParser } from '../../shared/sql/classify.ts';

/**
 * Why exporting a result of `sql` to a file is refused, or null when it is allowed. An export is
 * judged as the statement that produced it, marked as a bulk export, so `when: { export: true }`
 * rules (and any rule about its relations) decide; only an outright allow lets it through.
 */
export async function exportRefusal(policy: PolicyDocument, sql: string): Promise<string | null> {
  await initSqlParser();
  const classified = classifySql(sql, emptyClassifyContext());
  const statement = classified.ok
    ? { ...classified.classification, export: true }
    : { class: 'read' as const, export: true, relationsRead: [], relationsWritten: [], functions: [] };
  const decision = evaluateStatement(policy, statement, { searchPath: [] });
  switch (decision.action) {
    case 'allow':
      return null;
    case 'block':
      return `the policy blocks exporting this result: ${decision.message}`;
    case 'approve':
      return `the policy needs approval by ${decision.approvers.join(', ')} to export data; the query pane cannot ask for it`;
    default:
      return decision.action satisfies never;
  }
}
