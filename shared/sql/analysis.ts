import { riskier } from './statement-class.ts';
import type { StatementClass } from './statement-class.ts';
import type { RelationRef, SessionEffect, StatementClassification } from './classification.ts';

/** An insertion-ordered set of relations, deduplicated by schema and name. */
export class RelationSet {
  private readonly byKey = new Map<string, RelationRef>();

  add(ref: RelationRef): void {
    const key = `${ref.schema ?? ''}\u0000${ref.name}`;
    if (!this.byKey.has(key)) this.byKey.set(key, { schema: ref.schema, name: ref.name });
  }

  addAll(refs: Iterable<RelationRef>): void {
    for (const ref of refs) this.add(ref);
  }

  list(): RelationRef[] {
    return [...this.byKey.values()];
  }
}

/** What one statement was found to do, accumulated while its parse tree is walked. */
export class StatementAnalysis {
  class: StatementClass = 'read';
  exports = false;
  readonly reasons: string[] = [];
  readonly relationsRead = new RelationSet();
  readonly relationsWritten = new RelationSet();
  readonly functions = new Set<string>();
  readonly effects: SessionEffect[] = [];

  raise(cls: StatementClass, reason: string): void {
    this.class = riskier(this.class, cls);
    if (!this.reasons.includes(reason)) this.reasons.push(reason);
  }

  /** Take in what a statement that runs as part of this one does (EXECUTE, EXPLAIN ANALYZE). */
  absorbExecuted(other: StatementClassification | StatementAnalysis, reasonPrefix: string): void {
    const reasons = other.reasons.length > 0 ? other.reasons : ['reads only'];
    for (const reason of reasons) this.raise(other.class, `${reasonPrefix}${reason}`);
    this.exports ||= other instanceof StatementAnalysis ? other.exports : other.export;
    this.relationsRead.addAll(other instanceof StatementAnalysis ? other.relationsRead.list() : other.relationsRead);
    this.relationsWritten.addAll(other instanceof StatementAnalysis ? other.relationsWritten.list() : other.relationsWritten);
    for (const fn of other.functions) this.functions.add(fn);
  }

  /**
   * Take in a statement that is planned but not executed (plain EXPLAIN): nothing is written, so every
   * relation counts as read and write/ddl/control drop to read. `unknown` and `dangerous` are kept,
   * because planning still evaluates functions we cannot see into (immutable user functions, support
   * functions), and a dangerous name in an EXPLAIN is worth a look.
   */
  absorbPlannedOnly(other: StatementAnalysis | StatementClassification, reasonPrefix: string): void {
    if (other.class === 'unknown' || other.class === 'dangerous') {
      for (const reason of other.reasons) this.raise(other.class, `${reasonPrefix}${reason}`);
    }
    const read = other instanceof StatementAnalysis ? other.relationsRead.list() : other.relationsRead;
    const written = other instanceof StatementAnalysis ? other.relationsWritten.list() : other.relationsWritten;
    this.relationsRead.addAll(read);
    this.relationsRead.addAll(written);
    for (const fn of other.functions) this.functions.add(fn);
  }
}
