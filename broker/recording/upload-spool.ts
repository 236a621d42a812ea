import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../fs/write-file-atomically.ts';
import { END_FILE, EVENTS_FILE, META_FILE, REJECTED_FILE, listRecordingDirs, readJsonFile, recordingEndFileSchema, recordingMetaSchema } from './recording-spool-layout.ts';
import type { RecordingEndFile } from './recording-spool-layout.ts';
import { DEFAULT_CHUNK_LIMITS, RecordingRejectedError, uploadRecording } from './recording-upload.ts';
import type { ChunkLimits, RecordingApi } from './recording-upload.ts';
import { isLiveHere, processAlive, withUploadLock } from './spool-claims.ts';

/** The subset of a pino logger the uploads write to. */
export interface RecordingLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SpoolUploadResult {
  /** Now wholly on the server (their directories are gone). */
  completed: string[];
  /** Still to send: being recorded, or the server could not be reached. */
  pending: string[];
  /** Refused by the server for good; left in the spool with a rejected.json. */
  rejected: string[];
  /** The first error that left a recording pending, if any (e.g. the server is unreachable). */
  error: Error | undefined;
}

export interface SpoolUploadOptions {
  log?: RecordingLog;
  limits?: ChunkLimits;
}

/**
 * One pass over a spool: every recording is sent as far as it goes. Recordings this process is
 * writing are sent up to their last complete line; recordings of another broker process that
 * is still running are left to it; the rest — left behind by a broker that crashed or was
 * killed mid-session — are closed as abandoned (ended at their last write) and sent whole.
 */
export async function uploadSpool(spoolRoot: string, api: RecordingApi, opts: SpoolUploadOptions = {}): Promise<SpoolUploadResult> {
  const result: SpoolUploadResult = { completed: [], pending: [], rejected: [], error: undefined };
  for (const { id, dir } of await listRecordingDirs(spoolRoot)) {
    try {
      const outcome = await withUploadLock(id, async () => {
        if (await exists(join(dir, REJECTED_FILE))) return 'rejected' as const;
        const meta = await readJsonFile(join(dir, META_FILE), recordingMetaSchema);
        // Created and left before its meta was durable: nothing of it can be sent.
        if (meta === undefined) return 'pending' as const;
        if (!isLiveHere(id)) {
          if (meta.pid !== process.pid && processAlive(meta.pid)) return 'pending' as const;
          await closeAbandoned(dir, opts.log);
        }
        return uploadRecording(dir, api, opts.limits ?? DEFAULT_CHUNK_LIMITS);
      });
      result[outcome === 'complete' ? 'completed' : outcome].push(id);
    } catch (err) {
      if (err instanceof RecordingRejectedError) {
        opts.log?.error({ recording: id, err: err.message }, 'recording refused by the server; kept in the spool');
        await writeFileAtomically(join(dir, REJECTED_FILE), `${JSON.stringify({ reason: err.message, at: new Date().toISOString() })}\n`).catch(() => undefined);
        result.rejected.push(id);
        continue;
      }
      result.pending.push(id);
      result.error ??= err instanceof Error ? err : new Error(String(err));
    }
  }
  return result;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Gives a recording whose broker died an end: exit status unknown, at its last write. */
async function closeAbandoned(dir: string, log: RecordingLog | undefined): Promise<void> {
  if ((await readJsonFile(join(dir, END_FILE), recordingEndFileSchema)) !== undefined) return;
  const lastWrite = await stat(join(dir, EVENTS_FILE)).then(
    (info) => info.mtime,
    () => new Date(),
  );
  const end: RecordingEndFile = { endedAt: lastWrite.toISOString(), exitStatus: null, abandoned: true };
  await writeFileAtomically(join(dir, END_FILE), `${JSON.stringify(end)}\n`);
  log?.warn({ dir }, 'recording left behind by a broker that stopped mid-session; closed and uploading');
}

/**
 * Finishes what an earlier run of the broker left in the spool: call it on start. Safe beside
 * a running recorder factory (recordings live in this process are only sent so far, never
 * closed). A server outage leaves them pending, never lost: call it again later.
 */
export function uploadPendingRecordings(spoolRoot: string, api: RecordingApi, opts: SpoolUploadOptions = {}): Promise<SpoolUploadResult> {
  return uploadSpool(spoolRoot, api, opts);
}
