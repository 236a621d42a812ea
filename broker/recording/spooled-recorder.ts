import { randomUUID } from 'node:crypto';
import type { RecordingMeta, SessionRecorder } from '../ssh/session-recorder.ts';
import { RecordingSpoolFile } from './recording-spool-file.ts';
import type { SpoolFileOptions } from './recording-spool-file.ts';
import { SpoolRecordWriter } from './spool-record-writer.ts';
import { claimLive, releaseLive } from './spool-claims.ts';
import type { RecordingLog } from './upload-spool.ts';

export interface SpooledRecorderOptions {
  spoolRoot: string;
  /** Keystrokes are recorded only when this is true (the proxy also asks the policy). */
  recordInput: boolean;
  log: RecordingLog;
  /** Milliseconds from a monotonic clock. */
  clock: () => number;
  spoolSync?: SpoolFileOptions;
  /** The recording cannot be written (disk full, …): a policy that requires recording may end the session. */
  onFailure?: (meta: RecordingMeta, err: Error) => void;
  /** The session ended and its spool is complete: time to upload the rest. */
  onEnded?: (recordingId: string) => void;
}

/**
 * One SSH channel's recording: the asciicast header and events, as spool records, into a spool
 * directory of its own, named by a fresh recording id. Never throws into the proxy's data path: if the spool fails, recording
 * stops, onFailure is told, and end() rejects with the reason.
 */
export class SpooledRecorder implements SessionRecorder {
  readonly id = randomUUID();
  private spool: RecordingSpoolFile | undefined;
  private writer: SpoolRecordWriter | undefined;
  private failure: Error | undefined;
  private ended = false;

  constructor(
    private readonly meta: RecordingMeta,
    private readonly opts: SpooledRecorderOptions,
  ) {}

  start(header: { width: number; height: number; env: Record<string, string> }): void {
    if (this.spool !== undefined || this.failure !== undefined) return;
    const startedAt = new Date();
    try {
      this.spool = RecordingSpoolFile.create(
        this.opts.spoolRoot,
        {
          version: 1,
          id: this.id,
          sessionId: this.meta.sessionId,
          user: this.meta.user,
          connection: this.meta.connection,
          host: this.meta.host,
          channel: this.meta.channel,
          kind: this.meta.kind,
          command: this.meta.command,
          startedAt: startedAt.toISOString(),
          pid: process.pid,
        },
        this.opts.spoolSync,
      );
    } catch (err) {
      this.fail(err);
      return;
    }
    claimLive(this.id);
    const spool = this.spool;
    this.writer = new SpoolRecordWriter((parts) => {
      if (!spool.append(parts)) this.fail(spool.error);
    }, this.opts.clock);
    this.writer.header({ width: header.width, height: header.height, env: header.env, timestamp: Math.floor(startedAt.getTime() / 1000) });
    if (this.meta.kind === 'exec' && this.meta.command !== null) this.writer.marker(`exec: ${this.meta.command}`);
  }

  output(data: Buffer): void {
    if (!this.ended) this.writer?.output(data);
  }

  input(data: Buffer): void {
    if (!this.ended && this.opts.recordInput) this.writer?.input(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.ended) this.writer?.resize(cols, rows);
  }

  marker(label: string): void {
    if (!this.ended) this.writer?.marker(label);
  }

  async end(exitStatus: number | null): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.writer?.finish();
    const spool = this.spool;
    try {
      if (spool !== undefined) await spool.finish({ endedAt: new Date().toISOString(), exitStatus });
    } finally {
      releaseLive(this.id);
      if (spool !== undefined) this.opts.onEnded?.(this.id);
    }
    if (this.failure !== undefined) throw new Error(`recording ${this.id} is incomplete: ${this.failure.message}`, { cause: this.failure });
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.opts.log.error({ recording: this.id, session: this.meta.sessionId, err: this.failure.message }, 'terminal recording stopped: the spool cannot be written');
    this.opts.onFailure?.(this.meta, this.failure);
  }
}
