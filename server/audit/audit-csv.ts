import type { AuditRecord } from '../../shared/api/audit.ts';

/*
 * CSV for the audit export (RFC 4180: comma-separated, CRLF line ends, a field holding a comma,
 * a quote, CR or LF is quoted and its quotes doubled).
 *
 * The CSV is meant for spreadsheets, and statement text is written by the people being
 * audited: a statement such as `=HYPERLINK(...)` would become a live formula in the auditor's
 * spreadsheet. So a cell that starts with a character a spreadsheet treats as a formula
 * (= + - @ tab CR) is prefixed with a single quote, which spreadsheets read as "text".
 * The JSON-lines export is the byte-exact evidence; the CSV's `event` column (JSON, starting
 * with `{`) also carries every value unaltered.
 */

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'id',
  'time',
  'source',
  'kind',
  'actor',
  'actor_machine',
  'connection',
  'statement_class',
  'decision',
  'text',
  'event',
  'prev_hash',
  'hash',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV cell: null is empty, numbers and booleans as written in JSON. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line, CRLF included. */
export function csvLine(values: ReadonlyArray<string | number | boolean | null>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export const AUDIT_CSV_HEADER = csvLine(AUDIT_CSV_COLUMNS);

export function auditRecordCsvLine(record: AuditRecord): string {
  return csvLine([
    record.seq,
    record.id,
    record.time,
    record.source,
    record.kind,
    record.actor,
    record.actorMachine,
    record.connection,
    record.statementClass,
    record.decision,
    record.text,
    JSON.stringify(record.event),
    record.prevHash,
    record.hash,
  ]);
}
