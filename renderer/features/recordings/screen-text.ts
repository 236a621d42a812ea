/** The part of an xterm buffer the text reader needs (the real one, or a test's). */
export interface ScreenBuffer {
  readonly baseY: number;
  getLine(y: number): { translateToString(trimRight?: boolean): string } | undefined;
}

/**
 * The screen as text: the terminal's `rows` visible lines (from the bottom of the scrollback,
 * where output goes), trailing blanks of each line and trailing blank lines dropped (a space a
 * program wrote counts as blank too). Tests compare it with the server's screen at the same time.
 */
export function screenText(buffer: ScreenBuffer, rows: number): string {
  const lines: string[] = [];
  for (let y = buffer.baseY; y < buffer.baseY + rows; y++) lines.push((buffer.getLine(y)?.translateToString(true) ?? '').replace(/\s+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}
