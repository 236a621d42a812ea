import { beforeAll, describe, expect, it } from 'vitest';
import { copyExportShape } from '../../../broker/masking/copy-statement.ts';
import { loadPgQuery } from '../../../shared/sql/pg-query-module.ts';

beforeAll(async () => {
  await loadPgQuery();
});

function formatOf(sql: string): unknown {
  return copyExportShape(sql)?.format;
}

describe('the data format of COPY ... TO STDOUT', () => {
  it('text and CSV defaults, and binary', () => {
    expect(formatOf('copy t to stdout')).toEqual({ format: 'text', delimiter: '\t', nullString: '\\N', quote: '"', escape: '"', header: false });
    expect(formatOf('copy t to stdout with (format csv, header)')).toEqual({ format: 'csv', delimiter: ',', nullString: '', quote: '"', escape: '"', header: true });
    expect(formatOf('copy t to stdout (format binary)')).toBe('binary');
  });

  it('keeps options given before FORMAT', () => {
    expect(formatOf("copy t to stdout with (delimiter ';', null 'NA', format csv)")).toMatchObject({ format: 'csv', delimiter: ';', nullString: 'NA' });
    expect(formatOf("copy t to stdout with (header, format csv)")).toMatchObject({ format: 'csv', header: true });
  });

  it('reads the old option syntax', () => {
    expect(formatOf("copy t to stdout with csv header delimiter ';'")).toMatchObject({ format: 'csv', delimiter: ';', header: true });
    expect(formatOf("copy t to stdout delimiter '|'")).toMatchObject({ format: 'text', delimiter: '|' });
  });

  it('takes the escape character from the quote unless it is given, as PostgreSQL does', () => {
    expect(formatOf("copy t to stdout (format csv, quote '''')")).toMatchObject({ quote: "'", escape: "'" });
    expect(formatOf("copy t to stdout (format csv, quote '''', escape '\\')")).toMatchObject({ quote: "'", escape: '\\' });
  });

  it('describes the columns streamed, and is null for anything but an export', () => {
    expect(copyExportShape('copy public.t (a, "B") to stdout')?.describeSql).toBe('SELECT "a", "B" FROM "public"."t"');
    expect(copyExportShape('copy (select a, (b) from t) to stdout')?.describeSql).toBe('select a, (b) from t');
    expect(copyExportShape('copy t from stdin')).toBeNull();
    expect(copyExportShape('select 1')).toBeNull();
  });
});
