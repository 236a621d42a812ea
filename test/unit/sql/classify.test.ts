import { beforeAll, describe, expect, it } from 'vitest';
import { classifySql, emptyClassifyContext, initSqlParser } from '../../../shared/sql/classify.ts';
import { sqlClassificationSchema } from '../../../shared/sql/classification.ts';
import { CORPUS } from './corpus.ts';
import type { ClassifyResult, RelationRef } from '../../../shared/sql/classify.ts';
import type { CorpusCase, ExpectedClass } from './corpus.ts';

beforeAll(async () => {
  await initSqlParser();
});

function classifyCase(sql: string, scsOff: boolean): ClassifyResult {
  return classifySql(sql, { ...emptyClassifyContext(), standardConformingStrings: !scsOff });
}

function outcome(result: ClassifyResult): ExpectedClass {
  return result.ok ? result.classification.class : 'refused';
}

const names = (refs: readonly RelationRef[]): string[] => refs.map((ref) => (ref.schema === null ? ref.name : `${ref.schema}.${ref.name}`)).sort();

function label(entry: CorpusCase): string {
  return `${entry.expect.padEnd(9)} ${JSON.stringify(entry.sql).slice(0, 110)}${entry.scsOff ? ' (scs off)' : ''}`;
}

describe('corpus', () => {
  it('is large and covers every class and refusal', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(200);
    const seen = new Set(CORPUS.map((entry) => entry.expect));
    for (const cls of ['read', 'control', 'write', 'ddl', 'dangerous', 'unknown', 'refused'] as const) expect(seen).toContain(cls);
  });

  it.each(CORPUS.map((entry) => [label(entry), entry] as const))('%s', (_label, entry) => {
    const result = classifyCase(entry.sql, entry.scsOff === true);
    expect(outcome(result), JSON.stringify(result.ok ? result.classification.statements.map((s) => s.reasons) : result)).toBe(entry.expect);
    if (!result.ok) return;
    const classification = result.classification;
    expect(() => sqlClassificationSchema.parse(classification)).not.toThrow();
    if (entry.read !== undefined) expect(names(classification.relationsRead)).toEqual([...entry.read].sort());
    if (entry.written !== undefined) expect(names(classification.relationsWritten)).toEqual([...entry.written].sort());
    if (entry.export !== undefined) expect(classification.export).toBe(entry.export);
    if (entry.functions !== undefined) expect(classification.functions).toEqual(entry.functions);
    if (entry.statements !== undefined) expect(classification.statements.map((s) => s.class)).toEqual(entry.statements);
    // The walker must have understood every node of the corpus: no class comes from an unreadable tree.
    const reasons = classification.statements.flatMap((s) => s.reasons);
    expect(reasons.filter((reason) => /unrecognized parse node|unexpected parse-tree shape|has an unexpected shape/.test(reason))).toEqual([]);
    if (classification.class !== 'read' && classification.statements.length > 0) {
      // Anything above a plain read must say why.
      expect(classification.statements.flatMap((s) => s.reasons).length).toBeGreaterThan(0);
    }
  });
});

// Spelling must not matter: the same statements in upper case, or wrapped in comments and whitespace,
// classify the same way.
describe('corpus under respelling', () => {
  const respellable = CORPUS.filter((entry) => !entry.sql.includes('\u0000'));

  it('keeps every class when the whole text is upper-cased', () => {
    const changed = respellable
      .map((entry) => ({ sql: entry.sql.toUpperCase(), expect: entry.expect, got: outcome(classifyCase(entry.sql.toUpperCase(), entry.scsOff === true)) }))
      .filter((row) => row.got !== row.expect);
    expect(changed).toEqual([]);
  });

  it('keeps every class when wrapped in comments and whitespace', () => {
    const changed = respellable
      .map((entry) => {
        const sql = `/* lead /* nested */ */\n\t ${entry.sql} \n-- trailing ; drop table t\n`;
        return { sql, expect: entry.expect, got: outcome(classifyCase(sql, entry.scsOff === true)) };
      })
      .filter((row) => row.got !== row.expect);
    expect(changed).toEqual([]);
  });

  it('never lets an appended dangerous statement hide behind an earlier one', () => {
    const accepted = respellable.filter((entry) => entry.expect !== 'refused' && !entry.sql.trimEnd().endsWith('--'));
    const hidden = accepted
      .map((entry) => {
        const sql = `${entry.sql}\n;SET ROLE postgres`;
        return { sql, got: outcome(classifyCase(sql, entry.scsOff === true)) };
      })
      .filter((row) => row.got !== 'dangerous' && row.got !== 'refused');
    expect(hidden).toEqual([]);
  });
});
