import { open, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { CHUNK_LOG_FILE } from './recording-spool-layout.ts';

/** Chunk `seq` is the bytes [start, end) of the events file: whole records. */
export interface LoggedChunk {
  seq: number;
  start: number;
  end: number;
}

const LINE = /^(\d+) (\d+) (\d+)$/;

/**
 * The chunks of a recording, each written down (and fdatasync'ed) BEFORE it is sent. A chunk
 * sent again after a crash is then byte for byte the chunk sent before — the server recognises
 * it as a re-send — and any chunk the server asks for again can be rebuilt from the events file.
 */
export class ChunkLog {
  private constructor(
    private readonly path: string,
    readonly chunks: LoggedChunk[],
  ) {}

  /** Reads the log; a torn last line (a crash while writing it) is cut off: that chunk was never sent. */
  static async open(dir: string): Promise<ChunkLog> {
    const path = join(dir, CHUNK_LOG_FILE);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const chunks: LoggedChunk[] = [];
    let complete = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', complete)) {
      const match = LINE.exec(text.slice(complete, newline));
      if (match === null || Number(match[1]) !== chunks.length) break;
      chunks.push({ seq: Number(match[1]), start: Number(match[2]), end: Number(match[3]) });
      complete = newline + 1;
    }
    if (complete < Buffer.byteLength(text)) await truncate(path, Buffer.byteLength(text.slice(0, complete)));
    return new ChunkLog(path, chunks);
  }

  /** Where the next chunk starts: after the last logged one, or at `firstOffset`. */
  nextStart(firstOffset: number): number {
    return this.chunks.at(-1)?.end ?? firstOffset;
  }

  async append(start: number, end: number): Promise<LoggedChunk> {
    const chunk = { seq: this.chunks.length, start, end };
    const file = await open(this.path, 'a', 0o600);
    try {
      await file.write(`${chunk.seq} ${chunk.start} ${chunk.end}\n`);
      await file.datasync();
    } finally {
      await file.close();
    }
    this.chunks.push(chunk);
    return chunk;
  }
}
