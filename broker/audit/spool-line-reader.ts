import { open } from 'node:fs/promises';

const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 64 * 1024;

export interface SpoolLine {
  /** The line without its newline. */
  bytes: Buffer;
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just past its newline: where the next line starts. */
  end: number;
}

export interface LineBatch {
  lines: SpoolLine[];
  /**
   * Bytes after the last returned line. With no line returned, they are an incomplete tail:
   * an append in progress, or a write torn by a crash.
   */
  bytesAfter: number;
  /** Undefined if the file does not exist (pruned, or never created). */
  fileSize: number | undefined;
}

/**
 * Up to `maxLines` newline-terminated lines of a segment from `offset`, stopping early once
 * `maxBytes` are collected (a single longer line is still returned whole). Only complete lines
 * count: the spool writes `json + "\n"` and a line without its newline is not a record yet.
 */
export async function readCompleteLines(path: string, offset: number, maxLines: number, maxBytes: number): Promise<LineBatch> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], bytesAfter: 0, fileSize: undefined };
    throw err;
  }
  try {
    const lines: SpoolLine[] = [];
    let collected = 0;
    let carry = Buffer.alloc(0);
    let carryStart = offset;
    let position = offset;
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    while (lines.length < maxLines && (collected < maxBytes || lines.length === 0)) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      let lineStart = 0;
      for (let newline = data.indexOf(NEWLINE); newline !== -1; newline = data.indexOf(NEWLINE, lineStart)) {
        // Copy: `chunk` is reused by the next read.
        lines.push({ bytes: Buffer.from(data.subarray(lineStart, newline)), start: carryStart + lineStart, end: carryStart + newline + 1 });
        collected += newline + 1 - lineStart;
        lineStart = newline + 1;
        if (lines.length >= maxLines || collected >= maxBytes) break;
      }
      carry = Buffer.from(data.subarray(lineStart));
      carryStart += lineStart;
    }
    const lastEnd = lines.at(-1)?.end ?? offset;
    const { size } = await file.stat();
    return { lines, bytesAfter: Math.max(0, size - lastEnd), fileSize: size };
  } finally {
    await file.close();
  }
}
