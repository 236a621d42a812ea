import { beforeAll, describe, expect, it } from 'vitest';
import { classifySql, emptyClassifyContext, initSqlParser } from '../../../shared/sql/classify.ts';
import type { SessionEffect, SqlClassification } from '../../../shared/sql/classify.ts';

beforeAll(async () => {
  await initSqlParser();
});

function classify(sql: string): SqlClassification {
  const result = classifySql(sql, emptyClassifyContext());
  if (!result.ok) throw new Error(`refused: ${result.error}`);
  return result.classification;
}

const effectsOf = (sql: string): SessionEffect[] => classify(sql).effects;

describe('session effects', () => {
  it('reports SET with its value and scope', () => {
    expect(effectsOf('SET search_path = app, public')).toEqual([{ kind: 'set', name: 'search_path', value: 'app, public', local: false }]);
    expect(effectsOf('SET LOCAL statement_timeout = 5')).toEqual([{ kind: 'set', name: 'statement_timeout', value: '5', local: true }]);
    expect(effectsOf("SET TIME ZONE 'UTC'")).toEqual([{ kind: 'set', name: 'timezone', value: 'UTC', local: false }]);
    expect(effectsOf("SET NAMES 'UTF8'")).toEqual([{ kind: 'set', name: 'client_encoding', value: 'UTF8', local: false }]);
    expect(effectsOf('SET "Search_Path" TO x')).toEqual([{ kind: 'set', name: 'search_path', value: 'x', local: false }]);
  });

  it('reports standard_conforming_strings changes even though they are dangerous', () => {
    const classification = classify('SET standard_conforming_strings = off');
    expect(classification.class).toBe('dangerous');
    expect(classification.effects).toEqual([{ kind: 'set', name: 'standard_conforming_strings', value: 'off', local: false }]);
  });

  it('reports resets to the default with an unknown value', () => {
    expect(effectsOf('RESET search_path')).toEqual([{ kind: 'set', name: 'search_path', value: null, local: false }]);
    expect(effectsOf('SET search_path TO DEFAULT')).toEqual([{ kind: 'set', name: 'search_path', value: null, local: false }]);
    expect(effectsOf('RESET ALL')).toEqual([{ kind: 'reset-all' }]);
  });

  it('reports role changes', () => {
    expect(effectsOf('SET ROLE admin')).toEqual([{ kind: 'set', name: 'role', value: 'admin', local: false }]);
    expect(effectsOf('RESET ROLE')).toEqual([{ kind: 'set', name: 'role', value: null, local: false }]);
  });

  it('reports set_config() as a change whose value must be re-read', () => {
    expect(effectsOf("select set_config('search_path', 'x', true)")).toEqual([{ kind: 'set', name: 'search_path', value: null, local: true }]);
    expect(effectsOf("select pg_catalog.set_config('Application_Name', 'x', false)")).toEqual([
      { kind: 'set', name: 'application_name', value: null, local: false },
    ]);
  });

  it('reports DISCARD ALL as everything it resets', () => {
    expect(effectsOf('DISCARD ALL')).toEqual([{ kind: 'deallocate', name: null }, { kind: 'close-cursor', name: null }, { kind: 'reset-all' }]);
    expect(effectsOf('DISCARD PLANS')).toEqual([]);
  });

  it('reports DEALLOCATE and CLOSE', () => {
    expect(effectsOf('DEALLOCATE p')).toEqual([{ kind: 'deallocate', name: 'p' }]);
    expect(effectsOf('DEALLOCATE PREPARE ALL')).toEqual([{ kind: 'deallocate', name: null }]);
    expect(effectsOf('CLOSE c')).toEqual([{ kind: 'close-cursor', name: 'c' }]);
    expect(effectsOf('CLOSE ALL')).toEqual([{ kind: 'close-cursor', name: null }]);
  });

  it('reports DECLARE CURSOR with the class of its query', () => {
    expect(effectsOf('DECLARE c CURSOR FOR SELECT * FROM t')).toEqual([{ kind: 'declare-cursor', name: 'c', class: 'read' }]);
    expect(effectsOf('DECLARE "Big" CURSOR WITH HOLD FOR SELECT * FROM t FOR UPDATE')).toEqual([{ kind: 'declare-cursor', name: 'Big', class: 'write' }]);
    expect(effectsOf("DECLARE c CURSOR FOR SELECT pg_read_file('x')")).toEqual([{ kind: 'declare-cursor', name: 'c', class: 'dangerous' }]);
  });

  it('reports PREPARE with the classification of the prepared statement', () => {
    const classification = classify('PREPARE p(int) AS SELECT * FROM s.t WHERE id = $1');
    expect(classification.class).toBe('read');
    const [effect] = classification.effects;
    if (effect?.kind !== 'prepare') throw new Error('expected a prepare effect');
    expect(effect.name).toBe('p');
    expect(effect.classification).toMatchObject({
      class: 'read',
      kind: 'SelectStmt',
      relationsRead: [{ schema: 's', name: 't' }],
      relationsWritten: [],
      text: 'PREPARE p(int) AS SELECT * FROM s.t WHERE id = $1',
      fingerprint: classification.statements[0]?.fingerprint,
    });
  });

  it('keeps effects in statement order across a message', () => {
    expect(effectsOf("SET search_path = a; SELECT 1; SET application_name = 'x'; DEALLOCATE q").map((effect) => effect.kind)).toEqual([
      'set',
      'set',
      'deallocate',
    ]);
  });

  it('does not report settings that are part of a definition, not of this session', () => {
    expect(effectsOf('CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = a RETURN 1')).toEqual([]);
    expect(effectsOf('ALTER FUNCTION f() SET work_mem = 64')).toEqual([]);
    expect(effectsOf('ALTER ROLE bob SET search_path = x')).toEqual([]);
    expect(effectsOf("ALTER SYSTEM SET work_mem = '1GB'")).toEqual([]);
  });

  it('does not report effects of statements EXPLAIN only plans or transaction modes', () => {
    expect(effectsOf("EXPLAIN SELECT set_config('search_path', 'x', false)")).toEqual([]);
    expect(effectsOf('SET TRANSACTION READ ONLY')).toEqual([]);
    expect(effectsOf('BEGIN ISOLATION LEVEL SERIALIZABLE')).toEqual([]);
  });
});
