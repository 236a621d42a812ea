import { createReplayTerminal, writeNow } from '../../server/recordings/replay-terminal.ts';

/** The text rows of a screen serialized by @xterm/addon-serialize, as a terminal of that size shows them. */
export function serializedScreenText(serialized: string, width: number, height: number): string {
  const replay = createReplayTerminal(width, height);
  try {
    writeNow(replay.term, serialized);
    const buffer = replay.term.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < replay.term.rows; y++) rows.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return normalizeScreenText(rows.join('\n'));
  } finally {
    replay.term.dispose();
  }
}

/** Screen text compared across terminals: no trailing blanks on a row, no blank rows at the end. */
export function normalizeScreenText(text: string): string {
  return text
    .split('\n')
    .map((row) => row.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}
