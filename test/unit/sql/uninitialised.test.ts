import { describe, expect, it } from 'vitest';
import { classifySql, emptyClassifyContext } from '../../../shared/sql/classify.ts';

// Its own file so the parser module is fresh: vitest isolates test files.
describe('before initSqlParser()', () => {
  it('refuses instead of guessing', () => {
    const result = classifySql('select 1', emptyClassifyContext());
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? '' : result.error).toMatch(/initSqlParser/);
  });
});
