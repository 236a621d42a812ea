import { Readable } from 'node:stream';
import type { Queryable } from '../store/database.ts';
import { readChunks } from './recording-store.ts';
import type { RecordingRow } from './recording-store.ts';

const CHUNKS_PER_READ = 16;

/** Size in bytes of the .cast of the chunks stored when `recording` was read. */
export function castSize(recording: RecordingRow): number {
  return Buffer.byteLength(`${recording.header}\n`) + Number(recording.bytes);
}

/**
 * The recording as an asciicast v2 file: the header line, then every stored event line, read a
 * few chunks at a time. Covers the chunks stored when `recording` was read, so its size is
 * castSize(recording) even while more chunks arrive.
 */
export async function* castLines(db: Queryable, recording: RecordingRow): AsyncGenerator<Buffer> {
  yield Buffer.from(`${recording.header}\n`);
  const chunks = Number(recording.chunk_count);
  for (let from = 0; from < chunks; from += CHUNKS_PER_READ) {
    const read = await readChunks(db, recording.id, { fromSeq: from, toSeq: Math.min(chunks, from + CHUNKS_PER_READ) });
    for (const chunk of read) yield Buffer.from(chunk.lines);
  }
}

export function castExportStream(db: Queryable, recording: RecordingRow): Readable {
  return Readable.from(castLines(db, recording));
}
