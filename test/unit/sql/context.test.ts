import { fingerprintSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifySql, emptyClassifyContext, initSqlParser } from '../../../shared/sql/classify.ts';
import { riskier, statementClassSchema } from '../../../shared/sql/statement-class.ts';
import type { ClassifyContext, SqlClassification } from '../../../shared/sql/classify.ts';
import type { Volatility } from '../../../shared/sql/functions.ts';

beforeAll(async () => {
  await initSqlParser();
});

function classify(sql: string, context: ClassifyContext = emptyClassifyContext()): SqlClassification {
  const result = classifySql(sql, context);
  if (!result.ok) throw new Error(`refused: ${result.error}`);
  return result.classification;
}

describe('statement classes', () => {
  it('orders risk read < control < write < ddl < unknown < dangerous', () => {
    const order = ['read', 'control', 'write', 'ddl', 'unknown', 'dangerous'] as const;
    expect(statementClassSchema.options).toEqual(expect.arrayContaining([...order]));
    for (const [i, a] of order.entries()) {
      for (const [j, b] of order.entries()) expect(riskier(a, b)).toBe(order[Math.max(i, j)]);
    }
  });
});

describe('function volatility from the catalog', () => {
  const catalog = (entries: Record<string, Volatility>): ClassifyContext => ({
    ...emptyClassifyContext(),
    functionVolatility: (schema, name) => entries[schema === null ? name : `${schema}.${name}`],
  });

  it('accepts stable and immutable functions as reads', () => {
    const context = catalog({ my_stable: 'stable', 'app.fmt': 'immutable' });
    expect(classify('select my_stable(1)', context).class).toBe('read');
    expect(classify('select app.fmt(x) from t', context).class).toBe('read');
  });

  it('passes the schema as written, or null', () => {
    const asked: Array<[string | null, string]> = [];
    const context: ClassifyContext = {
      ...emptyClassifyContext(),
      functionVolatility: (schema, name) => {
        asked.push([schema, name]);
        return undefined;
      },
    };
    classify('select f(1), s.g(2), "S"."G"(3)', context);
    expect(asked).toEqual([
      [null, 'f'],
      ['s', 'g'],
      ['S', 'G'],
    ]);
  });

  it('makes volatile and unknown functions unknown', () => {
    const context = catalog({ my_volatile: 'volatile' });
    expect(classify('select my_volatile()', context).class).toBe('unknown');
    expect(classify('select not_in_catalog()', context).class).toBe('unknown');
  });

  it('lets a volatile catalog entry override the allowlist for a shadowed built-in name', () => {
    expect(classify('select lower(x) from t').class).toBe('read');
    expect(classify('select lower(x) from t', catalog({ lower: 'volatile' })).class).toBe('unknown');
    expect(classify('select random()', catalog({ random: 'volatile' })).class).toBe('read');
  });

  it('never lets the catalog downgrade a dangerous or writing built-in', () => {
    const context = catalog({ pg_sleep: 'immutable', nextval: 'stable', 'pg_catalog.pg_read_file': 'stable', dblink: 'stable' });
    expect(classify('select pg_sleep(1)', context).class).toBe('dangerous');
    expect(classify("select pg_catalog.pg_read_file('x')", context).class).toBe('dangerous');
    expect(classify("select nextval('s')", context).class).toBe('write');
    expect(classify("select * from dblink('x', 'y') as t(a int)", context).class).toBe('dangerous');
  });

  it('judges a same-named function in another schema by the catalog, not by the built-in list', () => {
    expect(classify('select app.pg_sleep(1)', catalog({ 'app.pg_sleep': 'stable' })).class).toBe('read');
    expect(classify('select app.lower(x)').class).toBe('unknown');
  });
});

describe('standard_conforming_strings', () => {
  const off: ClassifyContext = { ...emptyClassifyContext(), standardConformingStrings: false };

  it('refuses a backslash in a plain literal and points at it', () => {
    const sql = String.raw`select 1, 'a\' , $$' ; drop table t; --$$`;
    const result = classifySql(sql, off);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.position).toBe(sql.indexOf("'a"));
    expect(result.error).toMatch(/standard_conforming_strings/);
  });

  it('reports the position as a string index in text with multibyte characters', () => {
    const sql = String.raw`select 'ééé', 'x\y'`;
    const result = classifySql(sql, off);
    expect(result.ok ? null : result.position).toBe(sql.indexOf("'x"));
  });

  it('accepts text whose literals read the same under either setting', () => {
    expect(classify(String.raw`select E'a\nb', $$c\d$$, 'plain'`, off).class).toBe('read');
  });

  it('accepts the same backslash literal when the setting is on', () => {
    expect(classify(String.raw`select 'a\b'`).class).toBe('read');
  });
});

describe('refusals', () => {
  it('refuses text that does not parse, with the position of the error', () => {
    const result = classifySql('select 1; selec 2', emptyClassifyContext());
    expect(result).toMatchObject({ ok: false, position: 10 });
  });

  it('reports error positions as string indexes', () => {
    const result = classifySql("select 'ééé'; selec 2", emptyClassifyContext());
    expect(result).toMatchObject({ ok: false, position: "select 'ééé'; ".length });
  });

  it('refuses text containing NUL', () => {
    expect(classifySql('select 1\u0000; drop table t', emptyClassifyContext())).toMatchObject({ ok: false, position: 8 });
  });

  it('refuses, rather than throws on, expressions nested deeper than it can walk', () => {
    expect(classify(`select ${Array(500).fill('1').join(' + ')}`).class).toBe('read');
    const deep = `select ${Array(20_000).fill('x').join(' + ')} from t; set role admin`;
    const result = classifySql(deep, emptyClassifyContext());
    expect(result.ok).toBe(false);
  });

  it('refuses truncated statements', () => {
    const full = "UPDATE accounts SET balance = balance - 100 WHERE id = 'abc'";
    for (let cut = 1; cut < full.length; cut++) {
      const result = classifySql(full.slice(0, cut), emptyClassifyContext());
      if (result.ok) expect(result.classification.class, full.slice(0, cut)).not.toBe('read');
    }
  });
});

describe('statement text and fingerprints', () => {
  it('slices statements out of text with multibyte characters', () => {
    const classification = classify("select 'é'; /* ü */ select 'ü' ;  delete from t");
    // libpg-query starts a statement after the comments that precede it.
    expect(classification.statements.map((s) => s.text)).toEqual(["select 'é'", "select 'ü'", 'delete from t']);
  });

  it('uses libpg-query fingerprints, which ignore constants and spelling', () => {
    const one = classify('select * from t where id = 1');
    expect(one.fingerprint).toBe(fingerprintSync('select * from t where id = 1'));
    expect(one.statements[0]?.fingerprint).toBe(one.fingerprint);
    expect(classify('SELECT *   FROM t WHERE id = 42 -- x').fingerprint).toBe(one.fingerprint);
    expect(classify('select * from u where id = 1').fingerprint).not.toBe(one.fingerprint);
  });

  it('fingerprints each statement of a message on its own and the whole text together', () => {
    const classification = classify('select 1; delete from t');
    expect(classification.statements.map((s) => s.fingerprint)).toEqual([fingerprintSync('select 1'), fingerprintSync('delete from t')]);
    expect(classification.fingerprint).toBe(fingerprintSync('select 1; delete from t'));
    expect(classification.fingerprint).not.toBe(classification.statements[0]?.fingerprint);
  });

  it('reports the node type of each statement', () => {
    expect(classify('select 1; insert into t values (1); set x.y = 1').statements.map((s) => s.kind)).toEqual([
      'SelectStmt',
      'InsertStmt',
      'VariableSetStmt',
    ]);
  });
});

describe('initialisation', () => {
  it('is idempotent and safe to await concurrently', async () => {
    await Promise.all([initSqlParser(), initSqlParser()]);
    await initSqlParser();
    expect(classify('select 1').class).toBe('read');
  });

  it('starts from a context with standard strings and no prepared statements', () => {
    const context = emptyClassifyContext();
    expect(context.standardConformingStrings).toBe(true);
    expect(context.preparedStatements.size).toBe(0);
    expect(context.functionVolatility).toBeUndefined();
  });
});
