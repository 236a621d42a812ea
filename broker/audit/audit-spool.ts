import { randomUUID } from 'node:crypto';
import { close, fdatasync, ftruncate, ftruncateSync, open as openFd, openSync, write, writeSync } from 'node:fs';
import { mkdir, open, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { auditEventSchema, type AuditEvent } from '../../shared/audit/audit-event.ts';
import { listSegments, segmentFileName } from './spool-segments.ts';
import { SpoolUnavailableError, errnoCode } from './spool-unavailable-error.ts';

export { SpoolUnavailableError } from './spool-unavailable-error.ts';
export { readSpool } from './read-spool.ts';

/**
 * durable: `append` resolves once the event is fdatasync'ed — survives a power loss.
 * buffered: `appendNow` (and `append`) return once write(2) returned — survives a kill -9 of the
 * broker (the bytes are in the kernel's page cache), and is fdatasync'ed within `groupCommitMs`.
 */
export type SpoolDurability = 'durable' | 'buffered';

export interface AuditSpoolOptions {
  durability?: SpoolDurability;
  /** buffered only: the longest an acknowledged event waits for its fdatasync. */
  groupCommitMs?: number;
  /** A segment is closed and a new one started once it would grow past this size. */
  segmentBytes?: number;
}

export interface SpoolStats {
  appends: number;
  /** write batches: every append queued while the previous batch was being written joins one */
  batches: number;
  fsyncs: number;
  segments: number;
}

const DEFAULT_GROUP_COMMIT_MS = 50;
const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
// Enough to prove the file system still hands out a data block, small enough to fit beside a
// nearly full spool.
const PROBE_BYTES = 4096;

interface PendingAppend {
  line: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface OpenSegment {
  /** A raw descriptor, not a FileHandle: buffered appends write it synchronously. */
  fd: number;
  path: string;
  /** Bytes of acknowledged events; a failed batch is truncated back to here. */
  size: number;
  unsynced: boolean;
  /** buffered: created without waiting for its directory entry to be fsync'ed; the next sync does it. */
  directoryUnsynced: boolean;
}

const openAsync = promisify(openFd);
const writeAsync = promisify(write);
const datasyncAsync = promisify(fdatasync);
const truncateAsync = promisify(ftruncate);
const closeAsync = promisify(close);
const RESOLVED = Promise.resolve();

/**
 * The broker's local, append-only audit spool: JSON lines in `spool-<seq>.jsonl` segments.
 *
 * Every append goes through one writer loop. Appends that arrive while a batch is being written
 * and fsync'ed queue up and become the next batch — one write and one fdatasync for all of
 * them (group commit) — so the per-statement cost under load is a share of one fsync, not one
 * fsync each, without adding a wait when the broker is idle.
 *
 * Any I/O failure fails the spool closed: the failed batch and every later append reject with
 * SpoolUnavailableError until `probe()` sees the directory writable again. The failed segment
 * is truncated back to its last acknowledged byte (so neither a torn line nor a rejected event
 * survives when the file system allows the truncate) and never written again: after an fsync
 * error the page cache of that file cannot be trusted, so recovery starts a new segment.
 */
export class AuditSpool {
  private readonly queue: PendingAppend[] = [];
  private readonly counters: SpoolStats = { appends: 0, batches: 0, fsyncs: 0, segments: 0 };
  private segment: OpenSegment | undefined;
  /** buffered: segments rotated out or abandoned synchronously, synced and closed by the writer loop. */
  private readonly retired: { segment: OpenSegment; sync: boolean }[] = [];
  private nextSeq = 1;
  private writer: Promise<void> | undefined;
  private failure: SpoolUnavailableError | undefined;
  private closing: Promise<void> | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncDue = false;
  private probing: Promise<boolean> | undefined;

  private constructor(
    readonly dir: string,
    readonly durability: SpoolDurability,
    private readonly groupCommitMs: number,
    private readonly segmentBytes: number,
  ) {}

  /** Opens (creating if needed) a spool directory; rejects with SpoolUnavailableError if it cannot be written. */
  static async open(dir: string, options: AuditSpoolOptions = {}): Promise<AuditSpool> {
    const groupCommitMs = options.groupCommitMs ?? DEFAULT_GROUP_COMMIT_MS;
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isFinite(groupCommitMs) || groupCommitMs < 0) throw new RangeError('groupCommitMs must be >= 0');
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= 0) throw new RangeError('segmentBytes must be a positive integer');
    const spool = new AuditSpool(resolve(dir), options.durability ?? 'durable', groupCommitMs, segmentBytes);
    try {
      await ensureDirectory(spool.dir);
      await writeProbeFile(spool.dir);
      const existing = await listSegments(spool.dir);
      // Never append to a segment left by an earlier run: its tail may be torn.
      spool.nextSeq = (existing.at(-1)?.seq ?? 0) + 1;
    } catch (err) {
      throw SpoolUnavailableError.from(err, spool.dir);
    }
    return spool;
  }

  /** False from the first I/O failure until `probe()` succeeds. */
  get healthy(): boolean {
    return this.failure === undefined && this.closing === undefined;
  }

  /** Why appends are refused (ENOSPC, EROFS, …, ESPOOLCLOSED); undefined while healthy. */
  get failureCode(): string | undefined {
    if (this.closing !== undefined) return 'ESPOOLCLOSED';
    return this.failure?.code;
  }

  get stats(): Readonly<SpoolStats> {
    return { ...this.counters };
  }

  /**
   * Records one event. durable: resolves after fdatasync; buffered: already written (write(2))
   * when this returns, see appendNow. The caller must not forward the statement until this
   * resolves, and must refuse it if this rejects (SpoolUnavailableError; a ZodError means the
   * event itself is malformed).
   */
  append(event: AuditEvent): Promise<void> {
    if (this.durability === 'buffered') {
      try {
        this.appendNow(event);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      return RESOLVED;
    }
    if (this.closing !== undefined) return Promise.reject(new SpoolUnavailableError('ESPOOLCLOSED', this.dir));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    let line: string;
    try {
      line = this.lineOf(event);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.counters.appends++;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      this.startWriter();
    });
  }

  /**
   * buffered only: writes the event with write(2) before returning, so it is in the kernel's page
   * cache — a kill -9 of the broker right after cannot lose it — and leaves the fdatasync to the
   * group commit within `groupCommitMs`. Synchronous on purpose: handing the write to the thread
   * pool would let the caller forward a statement whose record is not yet written, and costs
   * more than a write(2) into the page cache. Throws SpoolUnavailableError (or a ZodError).
   */
  appendNow(event: AuditEvent): void {
    if (this.durability !== 'buffered') throw new Error('appendNow is for buffered spools; a durable spool must fsync before acknowledging');
    if (this.closing !== undefined) throw new SpoolUnavailableError('ESPOOLCLOSED', this.dir);
    if (this.failure !== undefined) throw this.failure;
    const data = Buffer.from(this.lineOf(event), 'utf8');
    this.counters.appends++;
    try {
      const segment = this.segmentWithRoomForNow(data.length);
      this.counters.batches++;
      writeFullyNow(segment.fd, data, segment.size);
      segment.size += data.length;
      segment.unsynced = true;
    } catch (err) {
      this.failClosedNow(err);
      throw this.failure!;
    }
    this.scheduleSync();
  }

  private lineOf(event: AuditEvent): string {
    // Validated here, not only when read back: an event the reader would skip is a lost event.
    return `${JSON.stringify(auditEventSchema.parse(event))}\n`;
  }

  /**
   * True if the spool is writable now: proves it by writing and fdatasync'ing a probe file.
   * A failed spool becomes healthy again only through here (e.g. once disk space is freed).
   */
  probe(): Promise<boolean> {
    this.probing ??= this.runProbe().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  /** Writes out everything queued, fdatasyncs, and closes; later appends reject. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async runProbe(): Promise<boolean> {
    if (this.closing !== undefined) return false;
    // A failed spool's writer only rejects what is queued; let it finish before reopening.
    if (this.failure !== undefined) while (this.writer !== undefined) await this.writer;
    try {
      await ensureDirectory(this.dir);
      await writeProbeFile(this.dir);
    } catch (err) {
      this.failure ??= SpoolUnavailableError.from(err, this.dir);
      return false;
    }
    this.failure = undefined;
    return true;
  }

  private startWriter(): void {
    if (this.writer !== undefined) return;
    this.writer = this.drain().finally(() => {
      this.writer = undefined;
      // Appends queued after the loop's last check, before this callback ran.
      if (this.queue.length > 0 || this.syncDue) this.startWriter();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.syncDue || this.retired.length > 0) {
      if (this.retired.length > 0) {
        await this.closeRetired(this.retired.shift()!);
        continue;
      }
      if (this.failure !== undefined) {
        this.syncDue = false;
        for (const pending of this.queue.splice(0)) pending.reject(this.failure);
        return;
      }
      // A due sync goes first so that a steady stream of appends cannot postpone it.
      if (this.syncDue) {
        this.syncDue = false;
        try {
          await this.syncSegment();
        } catch (err) {
          await this.failClosed(err, []);
        }
        continue;
      }
      const batch = this.queue.splice(0);
      try {
        await this.writeBatch(batch);
      } catch (err) {
        await this.failClosed(err, batch);
      }
    }
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    const data = Buffer.from(batch.map((pending) => pending.line).join(''), 'utf8');
    const segment = await this.segmentWithRoomFor(data.length);
    this.counters.batches++;
    await writeFully(segment.fd, data, segment.size);
    segment.unsynced = true;
    if (this.durability === 'durable') await this.syncSegment();
    segment.size += data.length;
    for (const pending of batch) pending.resolve();
    if (this.durability === 'buffered') this.scheduleSync();
  }

  private async segmentWithRoomFor(bytes: number): Promise<OpenSegment> {
    if (this.segment !== undefined && this.segment.size > 0 && this.segment.size + bytes > this.segmentBytes) {
      await this.syncSegment();
      const full = this.segment;
      this.segment = undefined;
      await closeAsync(full.fd);
    }
    this.segment ??= await this.createSegment();
    return this.segment;
  }

  /**
   * buffered: the segment to write now. A full one is retired to the writer loop, which syncs and
   * closes it; the new one is created synchronously and its directory entry fsync'ed with the
   * next group commit (the same 50 ms window its records have).
   */
  private segmentWithRoomForNow(bytes: number): OpenSegment {
    if (this.segment !== undefined && this.segment.size > 0 && this.segment.size + bytes > this.segmentBytes) {
      this.retired.push({ segment: this.segment, sync: true });
      this.segment = undefined;
      this.startWriter();
    }
    if (this.segment === undefined) {
      for (;;) {
        const path = join(this.dir, segmentFileName(this.nextSeq++));
        let fd: number;
        try {
          fd = openSync(path, 'wx', 0o600);
        } catch (err) {
          if (errnoCode(err) === 'EEXIST') continue;
          throw err;
        }
        this.counters.segments++;
        this.segment = { fd, path, size: 0, unsynced: false, directoryUnsynced: true };
        break;
      }
    }
    return this.segment;
  }

  private async closeRetired(entry: { segment: OpenSegment; sync: boolean }): Promise<void> {
    const { segment } = entry;
    try {
      if (entry.sync && this.failure === undefined) await this.syncSegment(segment);
    } catch (err) {
      await this.failClosed(err, []);
    } finally {
      await closeAsync(segment.fd).catch(() => undefined);
    }
  }

  private async createSegment(): Promise<OpenSegment> {
    for (;;) {
      const path = join(this.dir, segmentFileName(this.nextSeq++));
      let fd: number;
      try {
        // Exclusive create: a second broker on the same directory can never share a segment.
        fd = await openAsync(path, 'wx', 0o600);
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') continue;
        throw err;
      }
      try {
        // Without this a power loss can forget the new file together with its fsync'ed lines.
        await syncDirectory(this.dir);
      } catch (err) {
        await closeAsync(fd).catch(() => undefined);
        throw err;
      }
      this.counters.segments++;
      return { fd, path, size: 0, unsynced: false, directoryUnsynced: false };
    }
  }

  /** Makes the segment's directory entry and its written lines durable (the open one by default). */
  private async syncSegment(segment = this.segment): Promise<void> {
    if (segment === undefined) return;
    if (segment.directoryUnsynced) {
      await syncDirectory(this.dir);
      segment.directoryUnsynced = false;
    }
    if (!segment.unsynced) return;
    // buffered appends may land while this runs: only what was written before it is known synced.
    const size = segment.size;
    await datasyncAsync(segment.fd);
    this.counters.fsyncs++;
    if (segment.size === size) segment.unsynced = false;
    else this.scheduleSync();
  }

  /** Takes the open segment out of use and cancels its pending group commit; the caller disposes of it. */
  private detachSegment(): OpenSegment | undefined {
    const segment = this.segment;
    this.segment = undefined;
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.syncDue = false;
    return segment;
  }

  private scheduleSync(): void {
    if (this.syncTimer !== undefined) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.syncDue = true;
      this.startWriter();
    }, this.groupCommitMs);
    // Nothing is lost if the process exits first: written bytes are already in the page cache.
    this.syncTimer.unref();
  }

  private async failClosed(err: unknown, batch: PendingAppend[]): Promise<void> {
    const failure = SpoolUnavailableError.from(err, this.dir);
    this.failure = failure;
    for (const pending of batch) pending.reject(failure);
    for (const pending of this.queue.splice(0)) pending.reject(failure);
    await this.abandonSegment();
  }

  private async abandonSegment(): Promise<void> {
    const segment = this.detachSegment();
    if (segment === undefined) return;
    // Best effort: the spool is already failed closed, and a leftover torn line is skipped by readers.
    await truncateAsync(segment.fd, segment.size).catch(() => undefined);
    await closeAsync(segment.fd).catch(() => undefined);
  }

  /**
   * buffered: fails the spool closed from inside a synchronous append. The torn tail is cut off
   * at once; closing is left to the writer loop, which may be fsyncing this very descriptor.
   */
  private failClosedNow(err: unknown): void {
    this.failure = SpoolUnavailableError.from(err, this.dir);
    const segment = this.detachSegment();
    if (segment === undefined) return;
    try {
      ftruncateSync(segment.fd, segment.size);
    } catch {
      // Best effort, as in abandonSegment.
    }
    this.retired.push({ segment, sync: false });
    this.startWriter();
  }

  private async shutDown(): Promise<void> {
    while (this.writer !== undefined) await this.writer;
    const segment = this.detachSegment();
    if (segment === undefined) return;
    try {
      await this.syncSegment(segment);
    } catch (err) {
      throw SpoolUnavailableError.from(err, this.dir);
    } finally {
      await closeAsync(segment.fd).catch(() => undefined);
    }
  }
}

async function writeFully(fd: number, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await writeAsync(fd, data, written, data.length - written, position + written);
    if (bytesWritten === 0) throw Object.assign(new Error('write(2) made no progress'), { code: 'EIO' });
    written += bytesWritten;
  }
}

function writeFullyNow(fd: number, data: Buffer, position: number): void {
  let written = 0;
  while (written < data.length) {
    const bytesWritten = writeSync(fd, data, written, data.length - written, position + written);
    if (bytesWritten === 0) throw Object.assign(new Error('write(2) made no progress'), { code: 'EIO' });
    written += bytesWritten;
  }
}

async function ensureDirectory(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (firstCreated === undefined) return;
  // Each new directory entry lives in its parent; make every one of them durable.
  for (let created = dir; ; created = dirname(created)) {
    await syncDirectory(dirname(created));
    if (created === firstCreated) return;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeProbeFile(dir: string): Promise<void> {
  // Unique per call: two spools on one directory may probe at the same moment.
  const path = join(dir, `.probe-${process.pid}-${randomUUID()}`);
  try {
    const fd = await openAsync(path, 'w', 0o600);
    try {
      await writeFully(fd, Buffer.alloc(PROBE_BYTES), 0);
      await datasyncAsync(fd);
    } finally {
      await closeAsync(fd);
    }
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
