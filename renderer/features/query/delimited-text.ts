export type DelimitedFormat = 'csv' | 'tsv';

type Cell = string | null;

/**
 * A result as CSV (RFC 4180: comma, CRLF, quotes doubled) or TSV (tab-separated, the same
 * quoting, which spreadsheets read back). SQL NULL becomes an empty field; a field that holds
 * the delimiter, a quote or a line break is quoted so pasting never shifts columns.
 */
export function toDelimitedText(headers: readonly string[], rows: Iterable<readonly Cell[]>, format: DelimitedFormat): string {
  const delimiter = format === 'csv' ? ',' : '\t';
  const lines = [headers.map((h) => quoteField(h, delimiter)).join(delimiter)];
  for (const row of rows) {
    const fields: string[] = [];
    for (let i = 0; i < headers.length; i++) fields.push(quoteField(row[i] ?? null, delimiter));
    lines.push(fields.join(delimiter));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function quoteField(value: Cell, delimiter: string): string {
  if (value === null) return '';
  if (value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r')) return `"${value.replaceAll('"', '""')}"`;
  return value;
}
