export type ColumnAlign = 'left' | 'right';

/** A row whose second cell runs across all the remaining columns (e.g. an error message). */
export interface SpanningRow {
  label: string;
  text: string;
}

export type TableRow = readonly string[] | SpanningRow;

function isSpanning(row: TableRow): row is SpanningRow {
  return !Array.isArray(row);
}

/**
 * Renders rows as a fixed-width text table: header rows, a rule under them, and a rule before
 * any row whose index is listed in `rulesBefore`. Spanning rows do not widen the columns.
 */
export function renderTextTable(opts: {
  headers: readonly (readonly string[])[];
  rows: readonly TableRow[];
  align: readonly ColumnAlign[];
  rulesBefore?: readonly number[];
}): string {
  const gridRows = opts.rows.filter((r): r is readonly string[] => !isSpanning(r));
  const sized = [...opts.headers, ...gridRows];
  const columns = Math.max(...sized.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...sized.map((r) => (r[c] ?? '').length)));
  widths[0] = Math.max(widths[0] ?? 0, ...opts.rows.filter(isSpanning).map((r) => r.label.length));
  const line = (row: readonly string[]): string =>
    widths
      .map((w, c) => {
        const cell = row[c] ?? '';
        return (opts.align[c] ?? 'left') === 'right' ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = opts.headers.map(line);
  out.push(rule);
  opts.rows.forEach((row, i) => {
    if (opts.rulesBefore?.includes(i) === true) out.push(rule);
    out.push(isSpanning(row) ? `${row.label.padEnd(widths[0]!)}  ${row.text}` : line(row));
  });
  return out.join('\n');
}

/** Sections of a table (a title row, then its rows) flattened, with a rule before each but the first. */
export function sectionedRows(sections: ReadonlyArray<{ title: string; rows: readonly TableRow[] }>): { rows: TableRow[]; rulesBefore: number[] } {
  const rows: TableRow[] = [];
  const rulesBefore: number[] = [];
  for (const section of sections) {
    if (rows.length > 0) rulesBefore.push(rows.length);
    rows.push({ label: section.title, text: '' }, ...section.rows);
  }
  return { rows, rulesBefore };
}
