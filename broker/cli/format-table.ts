const NEWLINES = /\r\n|\r|\n/g;
// C0/C1 controls and bidi overrides: server data (SQL text, comments, names) is user-controlled,
// and raw escape sequences or reordering marks would let it repaint or disguise a terminal line.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/** Text that is safe to print on a terminal, on one line. */
export function terminalSafe(text: string): string {
  return text.replace(NEWLINES, '⏎').replace(UNPRINTABLE, (char) => `\\u{${char.codePointAt(0)?.toString(16) ?? ''}}`);
}

/** Like terminalSafe, but keeps line breaks: for the one place a full statement is shown. */
export function terminalSafeMultiline(text: string): string {
  return text
    .split(NEWLINES)
    .map((line) => line.replace(UNPRINTABLE, (char) => (char === '\t' ? '  ' : `\\u{${char.codePointAt(0)?.toString(16) ?? ''}}`)))
    .join('\n');
}

/** Cuts to `max` characters (code points, so a character is never split), marking the cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join('')}…` : text;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Longest cell before it is cut. Default 40. */
  max?: number;
}

/** A plain aligned table: a header line, then one line per row; every cell is terminal-safe. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => truncate(terminalSafe(column.value(row)), column.max ?? 40)));
  const widths = columns.map((column, i) => Math.max(width(column.header), ...cells.map((line) => width(line[i] ?? ''))));
  const render = (line: readonly string[]): string =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell))))
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...cells.map(render)].join('\n') + '\n';
}

/** A readable timestamp: `2025-01-02 10:00:00Z` from an ISO string (left alone if it is not one). */
export function shortTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function width(text: string): number {
  return Array.from(text).length;
}
