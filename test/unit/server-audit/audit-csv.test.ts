import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../shared/api/audit.ts';
import { AUDIT_CSV_COLUMNS, AUDIT_CSV_HEADER, auditRecordCsvLine, csvField, csvLine } from '../../../server/audit/audit-csv.ts';
import { parseCsv } from './parse-csv.ts';

describe('csvField', () => {
  it('leaves plain text alone and writes null as an empty cell', () => {
    expect(csvField('select 1')).toBe('select 1');
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('');
    expect(csvField(42)).toBe('42');
    expect(csvField(true)).toBe('true');
  });

  it('quotes a cell holding a comma, quote, CR or LF and doubles its quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('a\rb')).toBe('"a\rb"');
    expect(csvField('"')).toBe('""""');
  });

  it('neutralizes text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://evil.test","x")')).toBe(`"'=HYPERLINK(""http://evil.test"",""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-- comment\nselect 1')).toBe(`"'-- comment\nselect 1"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    // Numbers are ours, not user text: a negative one stays a number.
    expect(csvField(-1)).toBe('-1');
  });
});

describe('csvLine', () => {
  it('ends with CRLF and the header names every column', () => {
    expect(csvLine(['a', null, 1])).toBe('a,,1\r\n');
    expect(AUDIT_CSV_HEADER).toBe(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
  });

  it('parses back to the same cells for any text (formula prefixes aside)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('"', ',', '\r\n', '\n', '""', ' , ')), { minLength: 1, maxLength: 6 }), (cells) => {
        const parsed = parseCsv(csvLine(cells));
        expect(parsed).toHaveLength(1);
        expect(parsed[0]).toEqual(cells.map((cell) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell)));
      }),
    );
  });
});

describe('auditRecordCsvLine', () => {
  it('writes one record in column order, with the event as JSON', () => {
    const record: AuditRecord = {
      seq: 7,
      id: '0190f3a0-0000-7000-8000-000000000001',
      time: '2026-03-01T10:00:00.000Z',
      source: 'broker',
      kind: 'statement',
      actor: 'alice',
      actorMachine: false,
      connection: 'orders',
      statementClass: 'read',
      decision: 'allow',
      text: "select 'a,b' from t",
      event: { id: 'x', note: 'he said "no"' },
      prevHash: 'p'.repeat(64),
      hash: 'h'.repeat(64),
    };
    const [cells] = parseCsv(auditRecordCsvLine(record));
    expect(Object.fromEntries(AUDIT_CSV_COLUMNS.map((column, i) => [column, cells![i]]))).toEqual({
      seq: '7',
      id: record.id,
      time: record.time,
      source: 'broker',
      kind: 'statement',
      actor: 'alice',
      actor_machine: 'false',
      connection: 'orders',
      statement_class: 'read',
      decision: 'allow',
      text: "select 'a,b' from t",
      event: '{"id":"x","note":"he said \\"no\\""}',
      prev_hash: record.prevHash,
      hash: record.hash,
    });
    expect(JSON.parse(cells![11]!)).toEqual(record.event);
  });

  it('writes nulls as empty cells', () => {
    const [cells] = parseCsv(
      auditRecordCsvLine({
        seq: 1,
        id: 'i',
        time: 't',
        source: 'server',
        kind: 'audit_retention_purge',
        actor: 'gatehouse-server',
        actorMachine: true,
        connection: null,
        statementClass: null,
        decision: null,
        text: null,
        event: {},
        prevHash: 'p',
        hash: 'h',
      }),
    );
    expect(cells).toEqual(['1', 'i', 't', 'server', 'audit_retention_purge', 'gatehouse-server', 'true', '', '', '', '', '{}', 'p', 'h']);
  });
});
