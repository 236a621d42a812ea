import { StatementAnalysis, RelationSet } from './analysis.ts';
import { isRecord } from './ast-values.ts';
import { STATEMENT_RULES } from './statement-rules.ts';
import { StatementText } from './statement-text.ts';
import { findBackslashInPlainLiteral } from './string-literals.ts';
import { riskier } from './statement-class.ts';
import { AstWalker } from './walker.ts';
import type { ClassifyResult, SessionEffect, SqlClassification, StatementClassification } from './classification.ts';
import type { FunctionVolatilityLookup } from './functions.ts';
import type { StatementClass } from './statement-class.ts';
import { loadPgQuery, pgQuery, pgQueryLoaded } from './pg-query-module.ts';

export type {
  ClassifyResult,
  RelationRef,
  SessionEffect,
  SqlClassification,
  StatementClassification,
} from './classification.ts';

export interface ClassifyContext {
  /** The session's standard_conforming_strings (the proxy tracks it from ParameterStatus). */
  standardConformingStrings: boolean;
  /** SQL-level prepared statements of the session (PREPARE and named protocol-level statements share one namespace). */
  preparedStatements: ReadonlyMap<string, StatementClassification>;
  /** Catalog volatility of a function, when the proxy knows it; the most volatile overload wins. */
  functionVolatility?: FunctionVolatilityLookup;
}

export function emptyClassifyContext(): ClassifyContext {
  return { standardConformingStrings: true, preparedStatements: new Map() };
}

/** Load the libpg-query WASM module. Idempotent; classifySql refuses everything until it has resolved. */
export async function initSqlParser(): Promise<void> {
  await loadPgQuery();
}

/**
 * PREPARE and DEALLOCATE earlier in the same message change what a later EXECUTE in it refers to, so
 * lookups go through this overlay of the session's map. Nothing is written back: the proxy applies the
 * returned effects once the server confirms them.
 */
class PreparedStatementsOverlay {
  private readonly local = new Map<string, StatementClassification | null>();
  private sessionMapCleared = false;
  /** Some statement named a prepared statement: the classification depends on more than the text. */
  consulted = false;

  constructor(private readonly session: ReadonlyMap<string, StatementClassification>) {}

  lookup(name: string): StatementClassification | undefined {
    this.consulted = true;
    if (this.local.has(name)) return this.local.get(name) ?? undefined;
    return this.sessionMapCleared ? undefined : this.session.get(name);
  }

  apply(effect: SessionEffect): void {
    if (effect.kind === 'prepare') {
      this.local.set(effect.name, effect.classification);
    } else if (effect.kind === 'deallocate' && effect.name !== null) {
      this.local.set(effect.name, null);
    } else if (effect.kind === 'deallocate') {
      this.local.clear();
      this.sessionMapCleared = true;
    }
  }
}

interface RawStatement {
  stmt?: unknown;
  stmt_location?: number;
  stmt_len?: number;
}

function parseErrorResult(error: unknown): ClassifyResult {
  const message = error instanceof Error ? error.message : String(error);
  const details: unknown = isRecord(error) ? error.sqlDetails : undefined;
  const cursor = isRecord(details) && typeof details.cursorPosition === 'number' ? details.cursorPosition : undefined;
  // libpg-query reports cursorPosition as a 0-based string index (not a byte offset).
  return cursor === undefined ? { ok: false, error: message } : { ok: false, error: message, position: cursor };
}

function classifyStatement(
  raw: RawStatement,
  text: string,
  fingerprint: string,
  context: ClassifyContext,
  prepared: PreparedStatementsOverlay,
): StatementClassification {
  const analysis = new StatementAnalysis();
  const walker = new AstWalker(analysis, {
    rules: STATEMENT_RULES,
    functionVolatility: context.functionVolatility,
    lookupPrepared: (name) => prepared.lookup(name),
    statementText: text,
    statementFingerprint: fingerprint,
  });
  const kind = walker.walkStatement(raw.stmt);
  if (analysis.reasons.length === 0) analysis.reasons.push('reads only');
  return {
    class: analysis.class,
    kind,
    reasons: analysis.reasons,
    export: analysis.exports,
    relationsRead: analysis.relationsRead.list(),
    relationsWritten: analysis.relationsWritten.list(),
    functions: [...analysis.functions],
    fingerprint,
    text,
    effects: analysis.effects,
  };
}

/**
 * Classify one message of SQL text (one or more statements) by what it does. Synchronous once
 * initSqlParser() has resolved. Text that does not parse, or that the server could read differently
 * from libpg-query, is refused with `ok: false` — never treated as a read.
 */
export function classifySql(text: string, context: ClassifyContext): ClassifyResult {
  if (!pgQueryLoaded()) return { ok: false, error: 'SQL parser not initialised: await initSqlParser() first' };
  // The wire protocol ends a query string at the first NUL; libpg-query's C side would too. Refuse
  // rather than classify a prefix of what the caller holds.
  if (text.includes('\u0000')) return { ok: false, error: 'SQL text contains a NUL character', position: text.indexOf('\u0000') };

  const statementText = new StatementText(text);
  let rawStatements: RawStatement[];
  let wholeFingerprint: string;
  try {
    // libpg-query rejects '' outright; PostgreSQL answers it with EmptyQueryResponse like any blank text.
    rawStatements = text === '' ? [] : (pgQuery().parseSync(text).stmts as RawStatement[]);
    wholeFingerprint = pgQuery().fingerprintSync(text === '' ? ' ' : text);
  } catch (error) {
    return parseErrorResult(error);
  }

  if (!context.standardConformingStrings) {
    let position: number | null;
    try {
      position = findBackslashInPlainLiteral(statementText);
    } catch (error) {
      return parseErrorResult(error);
    }
    if (position !== null) {
      return {
        ok: false,
        error: 'backslash in a string literal while standard_conforming_strings is off: the server would read it differently',
        position,
      };
    }
  }

  const prepared = new PreparedStatementsOverlay(context.preparedStatements);
  const statements: StatementClassification[] = [];
  for (const raw of rawStatements) {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len === undefined || raw.stmt_len === 0 ? undefined : start + raw.stmt_len;
    const sourceText = statementText.sliceBytes(start, end).trim();
    let fingerprint = wholeFingerprint;
    if (rawStatements.length > 1) {
      try {
        fingerprint = pgQuery().fingerprintSync(sourceText);
      } catch (error) {
        return parseErrorResult(error);
      }
    }
    let classification: StatementClassification;
    try {
      classification = classifyStatement(raw, sourceText, fingerprint, context, prepared);
    } catch (error) {
      // A parse tree deeper than the JavaScript stack (thousands of nested operators) is refused, not
      // skipped; so is anything else the walker trips over.
      const reason = error instanceof RangeError ? 'statement is nested too deeply to classify' : `classifier failure: ${String(error)}`;
      return { ok: false, error: reason, position: statementText.indexOfByte(start) };
    }
    for (const effect of classification.effects) prepared.apply(effect);
    statements.push(classification);
  }
  return { ok: true, classification: summarize(statements, wholeFingerprint), readPreparedStatements: prepared.consulted };
}

function summarize(statements: StatementClassification[], fingerprint: string): SqlClassification {
  // No statements (blank or comment-only text) runs nothing; `control` keeps it out of every data rule.
  let cls: StatementClass = statements.length === 0 ? 'control' : 'read';
  const relationsRead = new RelationSet();
  const relationsWritten = new RelationSet();
  const functions = new Set<string>();
  const effects: SessionEffect[] = [];
  let exports = false;
  for (const statement of statements) {
    cls = riskier(cls, statement.class);
    relationsRead.addAll(statement.relationsRead);
    relationsWritten.addAll(statement.relationsWritten);
    for (const fn of statement.functions) functions.add(fn);
    effects.push(...statement.effects);
    exports ||= statement.export;
  }
  return {
    class: cls,
    statements,
    export: exports,
    relationsRead: relationsRead.list(),
    relationsWritten: relationsWritten.list(),
    functions: [...functions],
    fingerprint,
    effects,
  };
}
