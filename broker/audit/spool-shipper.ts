import { unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { auditEventSchema, type AuditEvent } from '../../shared/audit/audit-event.ts';
import type { ServerApi } from '../server-client/api-client.ts';
import { readShippedCursor, writeShippedCursor, type ShippedPosition } from './shipped-cursor.ts';
import { readCompleteLines } from './spool-line-reader.ts';
import { listSegments, parseSegmentSeq, type SpoolSegment } from './spool-segments.ts';

/** The subset of a pino logger the shipper writes to. */
export interface ShipperLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SpoolShipperOptions {
  spoolDir: string;
  api: Pick<ServerApi, 'ingestAudit'>;
  /** Names this broker in the server's log (ingest batches are attributed to it). */
  brokerId: string;
  /** Events per ingest request; the server accepts at most 5000. Default 500. */
  batchSize?: number;
  /** Pause between two looks at the spool when it is drained. Default 1 s. */
  intervalMs?: number;
  /** Longest pause between retries while the server cannot be reached. Default 60 s. */
  maxBackoffMs?: number;
  /** A batch stops growing past this many bytes of JSON. Default 4 MiB. */
  maxBatchBytes?: number;
  log: ShipperLog;
}

export interface ShipperStats {
  shippedEvents: number;
  batches: number;
  /** Lines that are not valid events (torn tails, corruption): logged and passed over. */
  skippedLines: number;
  prunedSegments: number;
  /** Consecutive failed attempts; 0 once a batch goes through. */
  failures: number;
  lastError: string | undefined;
}

const MAX_INGEST_EVENTS = 5000;
const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Ships a spool directory to the server's audit log: complete lines only, in write order, in
 * batches. The position (`shipped.json`: segment + byte offset) moves only after the server has
 * acknowledged a batch, and is written atomically, so a restart resumes where the server's
 * acknowledgements end. A crash between an acknowledgement and the cursor write re-sends that
 * batch; ingest is idempotent by event id, so the server keeps one copy. Segments before the
 * cursor's are fully shipped and deleted; the newest segment is never deleted.
 */
export class SpoolShipper {
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxBatchBytes: number;
  private readonly counters: ShipperStats = { shippedEvents: 0, batches: 0, skippedLines: 0, prunedSegments: 0, failures: 0, lastError: undefined };
  private position: ShippedPosition | undefined;
  private positionLoaded = false;
  /** Serialises the background loop and flush(): one reader of the cursor at a time. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | undefined;
  private running = false;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: SpoolShipperOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.intervalMs = opts.intervalMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 60_000;
    this.maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > MAX_INGEST_EVENTS) {
      throw new RangeError(`batchSize must be an integer from 1 to ${MAX_INGEST_EVENTS}`);
    }
  }

  get stats(): Readonly<ShipperStats> {
    return { ...this.counters };
  }

  /** Ships in the background until stop(): every intervalMs, backing off while shipping fails. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the batch in flight (if any) and stops; nothing acknowledged is lost. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Ships everything complete in the spool now; rejects if the server does not take it. */
  flush(): Promise<void> {
    return this.serialised(() => this.shipAvailable(() => true));
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.serialised(() => this.shipAvailable(() => this.running));
        this.counters.failures = 0;
        this.counters.lastError = undefined;
      } catch (err) {
        this.counters.failures++;
        this.counters.lastError = err instanceof Error ? err.message : String(err);
        this.opts.log.warn({ err, failures: this.counters.failures, spoolDir: this.opts.spoolDir }, 'audit shipping failed; will retry');
      }
      if (!this.running) return;
      await this.pause(this.counters.failures === 0 ? this.intervalMs : this.backoff(this.counters.failures));
    }
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const result = this.exclusive.then(task);
    this.exclusive = result.catch(() => undefined);
    return result;
  }

  /** `keepGoing` lets stop() end a long catch-up between two batches. */
  private async shipAvailable(keepGoing: () => boolean): Promise<void> {
    if (!this.positionLoaded) {
      this.position = await this.loadPosition();
      this.positionLoaded = true;
    }
    await this.pruneShippedSegments();
    while (keepGoing()) {
      const segments = await listSegments(this.opts.spoolDir);
      const segment = this.currentSegment(segments);
      if (segment === undefined) return;
      const name = basename(segment.path);
      const offset = this.position?.segment === name ? this.position.offset : 0;
      const batch = await readCompleteLines(segment.path, offset, this.batchSize, this.maxBatchBytes);
      if (batch.lines.length > 0) {
        const events = this.decode(batch.lines, name);
        const end = batch.lines.at(-1)!.end;
        if (events.length > 0) {
          await this.opts.api.ingestAudit({ brokerId: this.opts.brokerId, events });
          this.counters.shippedEvents += events.length;
          this.counters.batches++;
        }
        await this.advance({ segment: name, offset: end });
        continue;
      }
      // Nothing complete left here. Move on only once a newer segment exists: the spool writer
      // finishes a segment before it creates the next one, and never returns to it. `segments`
      // was listed before the read above, so that read saw the finished segment in full.
      const next = segments.find((s) => s.seq > segment.seq);
      if (next === undefined) return;
      if (batch.bytesAfter > 0) {
        this.counters.skippedLines++;
        this.opts.log.warn({ segment: name, offset, bytes: batch.bytesAfter }, 'audit spool segment ends in a torn line; skipped');
      }
      await this.advance({ segment: basename(next.path), offset: 0 });
      await this.pruneShippedSegments();
    }
  }

  /** The segment named by the cursor, or the first one after it if that one is gone. */
  private currentSegment(segments: SpoolSegment[]): SpoolSegment | undefined {
    if (this.position === undefined) return segments[0];
    const cursorSeq = parseSegmentSeq(this.position.segment)!;
    return segments.find((s) => s.seq >= cursorSeq);
  }

  private decode(lines: { bytes: Buffer; start: number }[], segment: string): AuditEvent[] {
    const events: AuditEvent[] = [];
    for (const line of lines) {
      let reason: string;
      try {
        const parsed = auditEventSchema.safeParse(JSON.parse(line.bytes.toString('utf8')));
        if (parsed.success) {
          events.push(parsed.data);
          continue;
        }
        reason = `not an audit event: ${parsed.error.message}`;
      } catch {
        reason = 'not JSON';
      }
      // The spool validates every event before writing it, so this is damage, not a format
      // question; the server would refuse it too, and holding it back would stall everything after.
      this.counters.skippedLines++;
      this.opts.log.warn({ segment, offset: line.start, reason }, 'unreadable audit spool line; skipped');
    }
    return events;
  }

  private async advance(position: ShippedPosition): Promise<void> {
    await writeShippedCursor(this.opts.spoolDir, position);
    this.position = position;
  }

  private async loadPosition(): Promise<ShippedPosition | undefined> {
    try {
      return await readShippedCursor(this.opts.spoolDir);
    } catch (err) {
      // Starting over re-sends what the server already has; it keeps one copy of each event id.
      this.opts.log.warn({ err, spoolDir: this.opts.spoolDir }, 'audit shipping cursor unreadable; re-shipping the spool from its start');
      return undefined;
    }
  }

  /** Deletes segments before the cursor's: every line of them has been acknowledged. */
  private async pruneShippedSegments(): Promise<void> {
    if (this.position === undefined) return;
    const cursorSeq = parseSegmentSeq(this.position.segment)!;
    const segments = await listSegments(this.opts.spoolDir);
    const newest = segments.at(-1)?.seq;
    for (const segment of segments) {
      if (segment.seq >= cursorSeq || segment.seq === newest) break;
      try {
        await unlink(segment.path);
        this.counters.prunedSegments++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }

  private backoff(failures: number): number {
    const ceiling = Math.min(this.maxBackoffMs, this.intervalMs * 2 ** Math.min(failures, 16));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
