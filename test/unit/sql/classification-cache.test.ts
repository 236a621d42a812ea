import { beforeAll, describe, expect, it } from 'vitest';
import { classifySql, emptyClassifyContext, initSqlParser } from '../../../shared/sql/classify.ts';
import type { ClassifiedSql, StatementClassification } from '../../../shared/sql/classification.ts';
import { ClassificationCache } from '../../../shared/sql/classification-cache.ts';

beforeAll(async () => {
  await initSqlParser();
});

function classified(sql: string, prepared = new Map<string, StatementClassification>()): ClassifiedSql {
  const result = classifySql(sql, { ...emptyClassifyContext(), preparedStatements: prepared });
  if (!result.ok) throw new Error(`refused: ${result.error}`);
  return result;
}

describe('what a classification depends on besides its text', () => {
  it('flags a classification that read the session’s prepared statements, wherever the EXECUTE sits', () => {
    const effect = classified('prepare p as delete from t').classification.effects[0]!;
    if (effect.kind !== 'prepare') throw new Error(`expected a prepare effect, got ${effect.kind}`);
    const prepared = new Map([['p', effect.classification]]);
    expect(classified('select 1').readPreparedStatements).toBe(false);
    expect(classified('execute p', prepared).readPreparedStatements).toBe(true);
    expect(classified('explain analyze execute p', prepared).readPreparedStatements).toBe(true);
    // Unknown to the session is a reading too: preparing it later changes the answer.
    expect(classified('execute nope').readPreparedStatements).toBe(true);
  });
});

/** Offers a classification twice: a text is kept the second time. */
function keep(cache: ClassificationCache, sql: string, standardConformingStrings = true, prepared = new Map<string, StatementClassification>()): boolean {
  const result = classified(sql, prepared);
  cache.remember(sql, standardConformingStrings, result);
  return cache.remember(sql, standardConformingStrings, result);
}

describe('ClassificationCache', () => {
  it('keeps a text the second time it is offered: most texts with inline values never come again', () => {
    const cache = new ClassificationCache(10);
    const result = classified('select x from t where id = 1');
    expect(cache.remember('select x from t where id = 1', true, result)).toBe(false);
    expect(cache.get('select x from t where id = 1', true)).toBeUndefined();
    expect(Object.isFrozen(result.classification)).toBe(false);
    expect(cache.remember('select x from t where id = 1', true, result)).toBe(true);
    expect(cache.get('select x from t where id = 1', true)).toBe(result.classification);
    expect(cache.size).toBe(1);
  });

  it('returns what it was given for the same text and standard_conforming_strings, and nothing for the other setting', () => {
    const cache = new ClassificationCache(10);
    const result = classified('select x from t');
    cache.remember('select x from t', true, result);
    expect(cache.remember('select x from t', true, result)).toBe(true);
    expect(cache.get('select x from t', true)).toBe(result.classification);
    expect(cache.get('select x from t', false)).toBeUndefined();
    expect(cache.get('select x from t ', true)).toBeUndefined();
  });

  it('keeps nothing that changes session state or reads its prepared statements, nor very long texts', () => {
    const cache = new ClassificationCache(10);
    for (const sql of ["set search_path = 'x'", 'prepare q as select 1', 'declare c cursor for select 1', 'deallocate all']) {
      const result = classified(sql);
      expect(result.classification.effects.length, sql).toBeGreaterThan(0);
      expect(cache.remember(sql, true, result), sql).toBe(false);
      expect(cache.remember(sql, true, result), sql).toBe(false);
      expect(cache.get(sql, true), sql).toBeUndefined();
    }
    const effect = classified('prepare p as select 1').classification.effects[0]!;
    if (effect.kind !== 'prepare') throw new Error(`expected a prepare effect, got ${effect.kind}`);
    expect(keep(cache, 'explain execute p', true, new Map([['p', effect.classification]]))).toBe(false);
    expect(keep(cache, 'execute nope')).toBe(false);
    const long = `select ${Array.from({ length: 1200 }, (_, i) => i).join(', ')}`;
    expect(long.length).toBeGreaterThan(4096);
    expect(keep(cache, long)).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('forgets the least recently used text first, per setting', () => {
    const cache = new ClassificationCache(2);
    keep(cache, 'select 1');
    keep(cache, 'select 2');
    keep(cache, 'select 9', false);
    expect(cache.get('select 1', true)).toBeDefined(); // now the most recent
    keep(cache, 'select 3');
    expect(cache.get('select 2', true)).toBeUndefined();
    expect(cache.get('select 1', true)).toBeDefined();
    expect(cache.get('select 3', true)).toBeDefined();
    expect(cache.get('select 9', false)).toBeDefined();
    expect(cache.size).toBe(3);
  });

  it('freezes what it keeps, so no session can change the verdict for the next one', () => {
    const cache = new ClassificationCache(10);
    keep(cache, 'update t set x = 1 where y in (select y from u)');
    const hit = cache.get('update t set x = 1 where y in (select y from u)', true)!;
    expect(() => {
      (hit as { class: string }).class = 'read';
    }).toThrow(TypeError);
    expect(() => hit.statements[0]!.reasons.push('reads only')).toThrow(TypeError);
    expect(() => {
      (hit.relationsWritten[0] as { name: string }).name = 'other';
    }).toThrow(TypeError);
    expect(hit.class).toBe('write');
  });
});
