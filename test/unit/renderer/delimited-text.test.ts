import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toDelimitedText } from '../../../renderer/features/query/delimited-text.ts';

/** A small RFC 4180 reader, to check that what we write reads back to the same cells. */
function readDelimited(text: string, delimiter: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === delimiter) {
      row.push(field === '' && !wasQuoted ? null : field);
      field = '';
      wasQuoted = false;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field === '' && !wasQuoted ? null : field);
      rows.push(row);
      row = [];
      field = '';
      wasQuoted = false;
      i++;
    } else field += ch;
  }
  return rows;
}

describe('toDelimitedText', () => {
  it('writes CSV with CRLF, quoting only what needs it', () => {
    const text = toDelimitedText(['id', 'note'], [['1', 'plain'], ['2', 'a,b'], ['3', 'say "hi"'], ['4', 'two\nlines'], ['5', null]], 'csv');
    expect(text).toBe('id,note\r\n1,plain\r\n2,"a,b"\r\n3,"say ""hi"""\r\n4,"two\nlines"\r\n5,\r\n');
  });

  it('writes TSV with tabs, quoting fields that hold a tab', () => {
    expect(toDelimitedText(['a', 'b'], [['x,y', 'tab\there']], 'tsv')).toBe('a\tb\r\nx,y\t"tab\there"\r\n');
  });

  it('pads short rows to the header width', () => {
    expect(toDelimitedText(['a', 'b', 'c'], [['1']], 'csv')).toBe('a,b,c\r\n1,,\r\n');
  });

  it('reads back to the same cells for any content (NULL and empty both read as empty)', () => {
    fc.assert(
      fc.property(fc.constantFrom<'csv' | 'tsv'>('csv', 'tsv'), fc.array(fc.array(fc.option(fc.string({ unit: 'binary' }), { nil: null }), { minLength: 3, maxLength: 3 }), { maxLength: 8 }), (format, rows) => {
        const text = toDelimitedText(['a', 'b', 'c'], rows, format);
        const back = readDelimited(text, format === 'csv' ? ',' : '\t');
        expect(back[0]).toEqual(['a', 'b', 'c']);
        expect(back.slice(1)).toEqual(rows.map((r) => r.map((v) => (v === '' ? null : v))));
      }),
      { numRuns: 100 },
    );
  });
});
