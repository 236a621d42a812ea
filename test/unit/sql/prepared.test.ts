import { beforeAll, describe, expect, it } from 'vitest';
import { classifySql, emptyClassifyContext, initSqlParser } from '../../../shared/sql/classify.ts';
import type { ClassifyContext, SessionEffect, SqlClassification, StatementClassification } from '../../../shared/sql/classify.ts';

beforeAll(async () => {
  await initSqlParser();
});

/** Plays the proxy: classifies each message and applies its effects to the session afterwards. */
class Session {
  readonly prepared = new Map<string, StatementClassification>();

  run(sql: string): SqlClassification {
    const context: ClassifyContext = { ...emptyClassifyContext(), preparedStatements: this.prepared };
    const result = classifySql(sql, context);
    if (!result.ok) throw new Error(`refused: ${result.error}`);
    for (const effect of result.classification.effects) this.apply(effect);
    return result.classification;
  }

  private apply(effect: SessionEffect): void {
    if (effect.kind === 'prepare') this.prepared.set(effect.name, effect.classification);
    if (effect.kind === 'deallocate' && effect.name === null) this.prepared.clear();
    if (effect.kind === 'deallocate' && effect.name !== null) this.prepared.delete(effect.name);
  }
}

describe('prepared statement tracking', () => {
  it('gives EXECUTE the class and relations of what was prepared', () => {
    const session = new Session();
    expect(session.run('PREPARE wipe AS DELETE FROM audit.events').class).toBe('write');
    const executed = session.run('EXECUTE wipe');
    expect(executed.class).toBe('write');
    expect(executed.statements[0]?.kind).toBe('ExecuteStmt');
    expect(executed.relationsWritten).toEqual([{ schema: 'audit', name: 'events' }]);
  });

  it('makes EXECUTE of an unknown name unknown, and forgets deallocated names', () => {
    const session = new Session();
    expect(session.run('EXECUTE nope').class).toBe('unknown');
    session.run('PREPARE p AS SELECT 1');
    expect(session.run('EXECUTE p').class).toBe('read');
    session.run('DEALLOCATE p');
    expect(session.run('EXECUTE p').class).toBe('unknown');
    session.run('PREPARE p AS SELECT pg_sleep(1)');
    expect(session.run('EXECUTE p').class).toBe('dangerous');
    session.run('DISCARD ALL');
    expect(session.run('EXECUTE p').class).toBe('unknown');
  });

  it('lets PREPARE and DEALLOCATE earlier in a message change what a later EXECUTE means', () => {
    const session = new Session();
    session.run('PREPARE p AS SELECT * FROM t');
    expect(session.run('PREPARE q AS DELETE FROM t; EXECUTE q').statements.map((s) => s.class)).toEqual(['write', 'write']);
    expect(session.run('DEALLOCATE ALL; EXECUTE p').statements.map((s) => s.class)).toEqual(['control', 'unknown']);
  });

  it('does not let a harmless name from the session shadow a redefinition in the same message', () => {
    const session = new Session();
    session.run('PREPARE p AS SELECT 1');
    const classification = session.run('DEALLOCATE p; PREPARE p AS DELETE FROM t; EXECUTE p');
    expect(classification.statements.map((s) => s.class)).toEqual(['control', 'write', 'write']);
  });

  it('judges EXECUTE parameters too', () => {
    const session = new Session();
    session.run('PREPARE p(int) AS SELECT $1');
    expect(session.run('EXECUTE p(1)').class).toBe('read');
    expect(session.run('EXECUTE p(pg_sleep(1)::int)').class).toBe('dangerous');
  });

  it('replays session effects of the prepared statement on EXECUTE', () => {
    const session = new Session();
    session.run("PREPARE p AS SELECT set_config('search_path', 'x', false)");
    expect(session.run('EXECUTE p').effects).toEqual([{ kind: 'set', name: 'search_path', value: null, local: false }]);
  });

  it('accepts protocol-level statements the proxy records under their name', () => {
    const session = new Session();
    const parsed = session.run('UPDATE t SET a = $1');
    const statement = parsed.statements[0];
    if (statement === undefined) throw new Error('no statement');
    session.prepared.set('S_1', statement);
    expect(session.run('EXECUTE "S_1"(5)').class).toBe('write');
    expect(session.run('EXECUTE s_1(5)').class).toBe('unknown');
  });

  it('never writes to the session map itself', () => {
    const prepared = new Map<string, StatementClassification>();
    const result = classifySql('PREPARE p AS SELECT 1; DEALLOCATE ALL', { ...emptyClassifyContext(), preparedStatements: prepared });
    expect(result.ok).toBe(true);
    expect(prepared.size).toBe(0);
  });

  it('classifies EXPLAIN EXECUTE as a plan of the prepared statement, EXPLAIN ANALYZE EXECUTE as a run', () => {
    const session = new Session();
    session.run('PREPARE p AS DELETE FROM t');
    expect(session.run('EXPLAIN EXECUTE p').class).toBe('read');
    expect(session.run('EXPLAIN ANALYZE EXECUTE p').class).toBe('write');
    session.run('PREPARE d AS SELECT pg_sleep(5)');
    expect(session.run('EXPLAIN EXECUTE d').class).toBe('dangerous');
  });
});
