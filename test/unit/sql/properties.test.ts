import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifySql, emptyClassifyContext, initSqlParser } from '../../../shared/sql/classify.ts';
import { riskier } from '../../../shared/sql/statement-class.ts';
import { CORPUS } from './corpus.ts';
import type { StatementClass } from '../../../shared/sql/statement-class.ts';

beforeAll(async () => {
  await initSqlParser();
});

// Statement kinds that can be `read`; anything else classified `read` would be a hole.
const READ_CAPABLE_KINDS = new Set(['SelectStmt', 'ExplainStmt', 'FetchStmt', 'DeclareCursorStmt', 'CopyStmt', 'PrepareStmt', 'ExecuteStmt']);

const VOCABULARY = [
  'select', 'insert', 'into', 'update', 'delete', 'drop', 'table', 'from', 'where', 'set', 'role', 'reset', 'all',
  'values', 'with', 'as', 'copy', 'to', 'stdout', 'program', 'explain', 'analyze', 'begin', 'commit', 'do', 'call',
  'returning', 'for', 'share', 'lock', 'execute', 'prepare', 'declare', 'cursor', 'fetch', 't', 'u', 's.t', '"drop"',
  'pg_sleep(1)', 'nextval(1)', 'count(*)', 'f()', '*', '1', "'x'", "E'\\''", "'\\'", '$$;$$', '$a$', ';', ',', '(',
  ')', '=', '--', '\n', '/*', '*/', ' ', 'union', 'join', 'on', 'true', 'default', 'only', 'lateral', 'discard',
];

const sqlish = fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 14 }).map((words) => words.join(' '));

describe('classifier properties', () => {
  it('never throws and never calls a non-query statement a read', () => {
    fc.assert(
      fc.property(fc.oneof(sqlish, fc.string({ unit: 'grapheme', maxLength: 40 })), (text) => {
        const result = classifySql(text, emptyClassifyContext());
        if (!result.ok || result.classification.class !== 'read') return;
        for (const statement of result.classification.statements) expect(READ_CAPABLE_KINDS).toContain(statement.kind);
      }),
      { numRuns: 400 },
    );
  });

  it('classifies a message as the riskiest of its statements', () => {
    const standalone = CORPUS.filter(
      (entry) =>
        entry.expect !== 'refused' &&
        entry.scsOff !== true &&
        !/\b(prepare|deallocate|discard|execute)\b/i.test(entry.sql),
    );
    const classOf = (sql: string): { cls: StatementClass; statements: number } => {
      const result = classifySql(sql, emptyClassifyContext());
      if (!result.ok) throw new Error(`corpus entry refused: ${sql}`);
      return { cls: result.classification.class, statements: result.classification.statements.length };
    };
    fc.assert(
      fc.property(fc.constantFrom(...standalone), fc.constantFrom(...standalone), (first, second) => {
        const a = classOf(first.sql);
        const b = classOf(second.sql);
        // Blank and comment-only text has no statements and adds nothing to a message.
        const expected = a.statements === 0 ? b.cls : b.statements === 0 ? a.cls : riskier(a.cls, b.cls);
        expect(classOf(`${first.sql}\n;\n${second.sql}`).cls).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
