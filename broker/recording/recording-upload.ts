import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CastEvent } from '../../shared/api/recordings.ts';
import type { ServerApi } from '../server-client/api-client.ts';
import { ServerApiError } from '../server-client/server-api-errors.ts';
import { ChunkLog } from './chunk-log.ts';
import type { LoggedChunk } from './chunk-log.ts';
import { END_FILE, EVENTS_FILE, META_FILE, readJsonFile, recordingEndFileSchema, recordingMetaSchema } from './recording-spool-layout.ts';
import { SpoolFormatError, castEventOf, parseRecords, readCompleteRecords, readSpoolHeader } from './spool-records.ts';
import type { SpoolRecord } from './spool-records.ts';
import { readUploadCursor, writeUploadCursor } from './upload-cursor.ts';
import type { UploadCursor } from './upload-cursor.ts';

export type RecordingApi = Pick<ServerApi, 'startRecording' | 'putRecordingChunk' | 'endRecording'>;

export interface ChunkLimits {
  /** A chunk stops growing before this many bytes of spool records (unless one record is longer). Default 256 KiB. */
  maxBytes: number;
  /** At most this many events per chunk. Default 5000. */
  maxEvents: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxBytes: 256 * 1024, maxEvents: 5000 };

/** The server will not take this recording, whatever we send; retrying cannot help. */
export class RecordingRejectedError extends Error {
  constructor(
    readonly recordingId: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the server refused recording ${recordingId}: ${reason}`, options);
    this.name = 'RecordingRejectedError';
  }
}

/**
 * 4xx other than 408/429 (the request is wrong for this server, not the moment), or spool
 * bytes that do not read as records (damage no retry repairs).
 */
function refusal(err: unknown): boolean {
  return (err instanceof ServerApiError && !err.retryable) || err instanceof SpoolFormatError || err instanceof SyntaxError || err instanceof z.ZodError;
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, start + filled);
      if (bytesRead === 0) throw new Error(`${EVENTS_FILE} ends before byte ${end}`);
      filled += bytesRead;
    }
    return buffer;
  } finally {
    await file.close();
  }
}

/** The events of a logged chunk: its bytes must be whole records, as they were when it was logged. */
function recordsOf(bytes: Buffer): SpoolRecord[] {
  const { records, consumed } = parseRecords(bytes);
  if (consumed !== bytes.length) throw new SpoolFormatError(`a logged chunk of ${bytes.length} bytes ends inside a record`);
  return records;
}

/**
 * Sends what one recording's spool directory holds and the server has not acknowledged: the
 * start, then chunks in order, then — once the session has ended and every line is sent — the
 * end, after which the directory is removed. Each chunk is logged before it is sent and the
 * cursor moves only after the server acknowledged it, so this can be interrupted anywhere
 * (kill -9, server down) and called again: it resends the same chunk, which the server
 * recognises. Answers whether the recording is now wholly on the server.
 */
export async function uploadRecording(dir: string, api: RecordingApi, limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): Promise<'complete' | 'pending'> {
  const meta = await readJsonFile(join(dir, META_FILE), recordingMetaSchema);
  if (meta === undefined) return 'pending';
  const eventsPath = join(dir, EVENTS_FILE);
  // Read before the records: end.json is written after the last record, so with it every record is there.
  const end = await readJsonFile(join(dir, END_FILE), recordingEndFileSchema);
  const opening = await readSpoolHeader(eventsPath);
  if (opening === null) {
    if (end === undefined) return 'pending';
    // The broker died before the header was written: nothing was recorded, nothing to send.
    await rm(dir, { recursive: true, force: true });
    return 'complete';
  }
  const cursor: UploadCursor = await readUploadCursor(dir);
  try {
    if (!cursor.started) {
      await api.startRecording({ id: meta.id, connection: meta.connection, host: meta.host, brokerSessionId: meta.sessionId, startedAt: meta.startedAt, header: opening.header });
      cursor.started = true;
      await writeUploadCursor(dir, cursor);
    }
    const log = await ChunkLog.open(dir);
    let seq = Math.min(cursor.acknowledged, log.chunks.length);
    for (;;) {
      let chunk: LoggedChunk;
      let records: SpoolRecord[];
      if (seq < log.chunks.length) {
        chunk = log.chunks[seq]!;
        records = recordsOf(await readRange(eventsPath, chunk.start, chunk.end));
      } else {
        const start = log.nextStart(opening.firstEvent);
        const read = await readCompleteRecords(eventsPath, start, limits.maxBytes, limits.maxEvents);
        if (read.end === start) break;
        chunk = await log.append(start, read.end);
        records = read.records;
      }
      const events: CastEvent[] = records.map(castEventOf);
      const answer = await api.putRecordingChunk(meta.id, { seq: chunk.seq, events });
      if ('expectedSeq' in answer) {
        // The server lost or never got earlier chunks: go back and send them again.
        if (answer.expectedSeq < chunk.seq) {
          seq = answer.expectedSeq;
          continue;
        }
        throw new RecordingRejectedError(meta.id, answer.message);
      }
      seq = chunk.seq + 1;
      cursor.acknowledged = seq;
      await writeUploadCursor(dir, cursor);
    }
    if (end === undefined || seq < log.chunks.length) return 'pending';
    await api.endRecording(meta.id, { endedAt: end.endedAt, exitStatus: end.exitStatus, chunks: log.chunks.length });
  } catch (err) {
    if (refusal(err)) throw new RecordingRejectedError(meta.id, (err as Error).message, { cause: err });
    throw err;
  }
  await rm(dir, { recursive: true, force: true });
  return 'complete';
}
