import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../fs/write-file-atomically.ts';
import { END_FILE, EVENTS_FILE, META_FILE } from './recording-spool-layout.ts';
import type { RecordingEndFile, RecordingMetaFile } from './recording-spool-layout.ts';

export interface SpoolFileOptions {
  /** The longest a written line waits for its fdatasync. Default 200 ms. */
  syncEveryMs?: number;
  /** Unsynced bytes that trigger an fdatasync at once. Default 64 KiB. */
  syncEveryBytes?: number;
}

/**
 * One recording's spool directory while the session runs. Records (spool-records.ts) are
 * written with writev(2) as they come — once written, a record survives a kill -9 of the broker
 * (it is in the page cache) — and fdatasync'ed in groups, every `syncEveryMs` or
 * `syncEveryBytes`, for power loss.
 *
 * The recorder's calls are synchronous (they sit on the terminal's data path), so a write
 * error cannot be thrown back: the file stops taking lines, keeps the error, and `finish`
 * reports it (the end file records it too, and the uploader still sends what was written).
 */
export class RecordingSpoolFile {
  private fd: number | undefined;
  private unsynced = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private failure: Error | undefined;
  private readonly syncEveryMs: number;
  private readonly syncEveryBytes: number;

  private constructor(
    readonly dir: string,
    fd: number,
    opts: SpoolFileOptions,
  ) {
    this.fd = fd;
    this.syncEveryMs = opts.syncEveryMs ?? 200;
    this.syncEveryBytes = opts.syncEveryBytes ?? 64 * 1024;
  }

  /** Creates the directory, its meta.json (durably) and the empty events file. Throws if it cannot. */
  static create(spoolRoot: string, meta: RecordingMetaFile, opts: SpoolFileOptions = {}): RecordingSpoolFile {
    mkdirSync(spoolRoot, { recursive: true, mode: 0o700 });
    const dir = join(spoolRoot, meta.id);
    mkdirSync(dir, { mode: 0o700 });
    const metaFd = openSync(join(dir, META_FILE), 'wx', 0o600);
    try {
      writeFully(metaFd, Buffer.from(`${JSON.stringify(meta)}\n`));
      fsyncSync(metaFd);
    } finally {
      closeSync(metaFd);
    }
    const fd = openSync(join(dir, EVENTS_FILE), 'wx', 0o600);
    // The new directory entries must survive a power loss along with the lines.
    syncDirectorySync(dir);
    syncDirectorySync(spoolRoot);
    return new RecordingSpoolFile(dir, fd, opts);
  }

  /** Why lines are no longer taken; undefined while healthy. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Writes one record, given as its parts; false if the spool has failed (now or before). */
  append(parts: readonly Uint8Array[]): boolean {
    if (this.failure !== undefined || this.fd === undefined) return false;
    let written: number;
    try {
      written = writePartsFully(this.fd, parts);
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      return false;
    }
    this.unsynced += written;
    if (this.unsynced >= this.syncEveryBytes) void this.sync();
    else this.scheduleSync();
    return true;
  }

  /** fdatasyncs and closes the events file, then writes end.json. Rejects with the spool's error, if it had one. */
  async finish(end: Omit<RecordingEndFile, 'spoolError'>): Promise<void> {
    await this.sync();
    while (this.syncing !== undefined) await this.syncing;
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    const failure = this.failure;
    const record: RecordingEndFile = failure === undefined ? end : { ...end, spoolError: failure.message };
    await writeFileAtomically(join(this.dir, END_FILE), `${JSON.stringify(record)}\n`);
    if (failure !== undefined) throw new Error(`recording spool failed: ${failure.message}`, { cause: failure });
  }

  private sync(): Promise<void> {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (this.syncing !== undefined || this.unsynced === 0 || this.fd === undefined) return this.syncing ?? Promise.resolve();
    const fd = this.fd;
    this.unsynced = 0;
    this.syncing = new Promise<void>((resolve) => {
      fdatasync(fd, (err) => {
        if (err !== null) this.failure ??= err;
        resolve();
      });
    }).finally(() => {
      this.syncing = undefined;
      // Records written while this sync ran get their own.
      if (this.unsynced > 0 && this.failure === undefined) this.scheduleSync();
    });
    return this.syncing;
  }

  private scheduleSync(): void {
    if (this.syncTimer !== undefined) return;
    this.syncTimer = setTimeout(() => void this.sync(), this.syncEveryMs);
    // Nothing is lost if the process exits first: written lines are in the page cache.
    this.syncTimer.unref();
  }
}

/** Writes every part, in order, with as few system calls as the kernel allows; answers the bytes written. */
function writePartsFully(fd: number, parts: readonly Uint8Array[]): number {
  let total = 0;
  for (const part of parts) total += part.length;
  const written = writevSync(fd, parts as Uint8Array[]);
  if (written === total) return total;
  // A short write (a signal, a nearly full disk): the rest, part by part, from where it stopped.
  let skip = written;
  for (const part of parts) {
    if (skip >= part.length) {
      skip -= part.length;
      continue;
    }
    writeFully(fd, part.subarray(skip));
    skip = 0;
  }
  return total;
}

function writeFully(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    const n = writeSync(fd, bytes, written, bytes.length - written);
    if (n === 0) throw Object.assign(new Error('write(2) made no progress'), { code: 'EIO' });
    written += n;
  }
}

function syncDirectorySync(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
