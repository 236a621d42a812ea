import { open } from 'node:fs/promises';

const NEWLINE = 0x0a;

/**
 * Bytes [start, end) of `path` holding whole lines only: at most `maxLines` lines, stopping
 * before `maxBytes` unless the first line alone is longer. An unterminated last line (being
 * written, or torn by a crash) is never included. `end === start` when no complete line is there.
 */
export async function readCompleteLines(path: string, start: number, maxBytes: number, maxLines: number): Promise<{ text: string; end: number }> {
  const file = await open(path, 'r');
  try {
    let buffer = Buffer.alloc(Math.max(maxBytes, 4096));
    let filled = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, start + filled);
      filled += bytesRead;
      const data = buffer.subarray(0, filled);
      let end = 0;
      let lines = 0;
      for (let newline = data.indexOf(NEWLINE); newline !== -1 && lines < maxLines; newline = data.indexOf(NEWLINE, end)) {
        if (newline + 1 > maxBytes && lines > 0) break;
        end = newline + 1;
        lines++;
      }
      // One line longer than the buffer: read on until it ends (or the file does).
      if (end === 0 && bytesRead > 0 && filled === buffer.length) {
        const bigger = Buffer.alloc(buffer.length * 2);
        buffer.copy(bigger);
        buffer = bigger;
        continue;
      }
      return { text: data.subarray(0, end).toString('utf8'), end: start + end };
    }
  } finally {
    await file.close();
  }
}

/** Length of the first line (the header), newline included; 0 if it is not complete yet (or the file is not there). */
export async function headerLength(path: string): Promise<number> {
  try {
    const { end } = await readCompleteLines(path, 0, 64 * 1024, 1);
    return end;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}
