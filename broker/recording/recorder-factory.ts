import { performance } from 'node:perf_hooks';
import type { RecorderFactory, RecordingMeta } from '../ssh/session-recorder.ts';
import type { SpoolFileOptions } from './recording-spool-file.ts';
import type { ChunkLimits, RecordingApi } from './recording-upload.ts';
import { SpooledRecorder } from './spooled-recorder.ts';
import { uploadSpool } from './upload-spool.ts';
import type { RecordingLog, SpoolUploadResult } from './upload-spool.ts';

export interface RecorderFactoryOptions {
  /** The spool directory: one subdirectory per recording until the server has it all. */
  spoolRoot: string;
  api: RecordingApi;
  /** Record keystrokes (`i` events); the proxy only passes them when the policy says so. */
  recordInput: boolean;
  log: RecordingLog;
  /** How often recordings in progress are uploaded. Default 1 s. */
  uploadIntervalMs?: number;
  /** Longest pause between attempts while the server cannot be reached. Default 60 s. */
  maxBackoffMs?: number;
  chunkLimits?: ChunkLimits;
  spoolSync?: SpoolFileOptions;
  /** Milliseconds from a monotonic clock. Default performance.now. */
  clock?: () => number;
  onFailure?: (meta: RecordingMeta, err: Error) => void;
}

export interface RecordingUploads {
  /** Uploads everything in the spool now (recordings in progress as far as they go). */
  flush(): Promise<SpoolUploadResult>;
  /** Stops the background uploads after the pass in progress; what is left stays in the spool. */
  stop(): Promise<void>;
}

/**
 * The recorder factory for the SSH proxy: every channel gets a SpooledRecorder, and one
 * background loop uploads the spool while sessions run — every `uploadIntervalMs`, at once
 * when a session ends, backing off while the server is unreachable. The same pass also picks
 * up recordings an earlier broker run left behind.
 */
export function createRecorderFactory(opts: RecorderFactoryOptions): RecorderFactory & RecordingUploads {
  const intervalMs = opts.uploadIntervalMs ?? 1000;
  const maxBackoffMs = opts.maxBackoffMs ?? 60_000;
  const clock = opts.clock ?? (() => performance.now());
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<SpoolUploadResult> | undefined;

  const runPass = (): Promise<SpoolUploadResult> => {
    // One pass at a time; a caller arriving mid-pass waits for it and then runs its own.
    const next = (pass ?? Promise.resolve(undefined))
      .catch(() => undefined)
      .then(() => uploadSpool(opts.spoolRoot, opts.api, { log: opts.log, ...(opts.chunkLimits === undefined ? {} : { limits: opts.chunkLimits }) }));
    pass = next;
    void next.finally(() => {
      if (pass === next) pass = undefined;
    });
    return next;
  };

  const schedule = (ms: number): void => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => {
      void runPass().then(
        (result) => {
          if (result.error === undefined) {
            if (failures > 0) opts.log.info({ pending: result.pending.length }, 'recording uploads resumed');
            failures = 0;
          } else {
            failures++;
            if (failures === 1) opts.log.warn({ err: result.error.message }, 'recording uploads failing; retrying with backoff');
          }
          schedule(failures === 0 ? intervalMs : Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures, 16)));
        },
        (err: unknown) => {
          failures++;
          opts.log.warn({ err: (err as Error).message }, 'recording upload pass failed');
          schedule(Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures, 16)));
        },
      );
    }, ms);
    // Uploads alone must not keep the broker alive: whatever is left is sent on the next start.
    timer.unref();
  };
  schedule(intervalMs);

  const factory: RecorderFactory = (meta) =>
    new SpooledRecorder(meta, {
      spoolRoot: opts.spoolRoot,
      recordInput: opts.recordInput,
      log: opts.log,
      clock,
      ...(opts.spoolSync === undefined ? {} : { spoolSync: opts.spoolSync }),
      ...(opts.onFailure === undefined ? {} : { onFailure: opts.onFailure }),
      // A finished session goes up at once, unless the server is known to be down.
      onEnded: () => {
        if (failures === 0) schedule(0);
      },
    });

  return Object.assign(factory, {
    flush: runPass,
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await pass?.catch(() => undefined);
    },
  });
}
