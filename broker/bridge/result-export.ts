/** A result kept for export: column names and text values (masked ones already masked). */
export interface KeptResult {
  columns: string[];
  rows: (string | null)[][];
}

/**
 * CSV (RFC 4180: quoted when needed, CRLF lines) or TSV (PostgreSQL's text COPY escapes, \N for
 * NULL), with a header line. CSV writes NULL as an empty field, as COPY ... CSV does.
 */
export function formatResult(result: KeptResult, format: 'csv' | 'tsv'): string {
  const line = format === 'csv' ? csvLine : tsvLine;
  const eol = format === 'csv' ? '\r\n' : '\n';
  let out = line(result.columns) + eol;
  for (const row of result.rows) out += line(row) + eol;
  return out;
}

function csvLine(values: readonly (string | null)[]): string {
  return values.map((v) => (v === null ? '' : /[",\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}

function tsvLine(values: readonly (string | null)[]): string {
  return values
    .map((v) => (v === null ? '\\N' : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')))
    .join('\t');
}
