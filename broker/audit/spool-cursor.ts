import { open } from 'node:fs/promises';
import { auditEventSchema, type AuditEvent } from '../../shared/audit/audit-event.ts';
import { listSegments, type SpoolSegment } from './spool-segments.ts';
import { errnoCode } from './spool-unavailable-error.ts';

const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 64 * 1024;

export interface SkippedLine {
  segment: string;
  offset: number;
  reason: string;
}

export interface SpoolCursorOptions {
  /** Told about every line that is not a valid event, instead of the reader throwing. */
  onSkippedLine?: (skipped: SkippedLine) => void;
}

/**
 * Reads a spool directory incrementally, in write order.
 *
 * Only newline-terminated lines are records: the writer appends `json + "\n"` and acknowledges
 * an event only once the whole line is written, so an unterminated tail is either a write still
 * in progress (held back while its segment is the newest) or a write torn by a crash (dropped
 * once a newer segment exists, because the writer never returns to an older segment).
 */
export class SpoolCursor {
  private current: SpoolSegment | undefined;
  /** Bytes of `current` consumed as complete lines. */
  private offset = 0;
  /** Size of `current` seen by the last read; bytes past `offset` are an unterminated tail. */
  private seenSize = 0;

  constructor(
    private readonly dir: string,
    private readonly options: SpoolCursorOptions = {},
  ) {}

  /** Every complete event written since the previous call (or since the start of the spool). */
  async *readAvailable(): AsyncGenerator<AuditEvent> {
    let segments = await listSegments(this.dir);
    const resumed = this.current ?? segments[0];
    if (resumed === undefined) return;
    if (this.current === undefined) this.enter(resumed);
    let current: SpoolSegment = resumed;
    for (;;) {
      yield* this.readCompleteLines(current);
      const currentSeq = current.seq;
      let next: SpoolSegment | undefined = segments.find((segment) => segment.seq > currentSeq);
      if (next === undefined) {
        segments = await listSegments(this.dir);
        next = segments.find((segment) => segment.seq > currentSeq);
        if (next === undefined) return;
        // The writer finished `current` before creating `next`; read once more to catch lines
        // written between our last read and the directory listing.
        yield* this.readCompleteLines(current);
      }
      if (this.seenSize > this.offset) {
        this.options.onSkippedLine?.({ segment: current.path, offset: this.offset, reason: 'torn last line' });
      }
      this.enter(next);
      current = next;
    }
  }

  private enter(segment: SpoolSegment): void {
    this.current = segment;
    this.offset = 0;
    this.seenSize = 0;
  }

  private async *readCompleteLines(segment: SpoolSegment): AsyncGenerator<AuditEvent> {
    let file;
    try {
      file = await open(segment.path, 'r');
    } catch (err) {
      // Shipped segments may be pruned underneath a reader; there is nothing left to read.
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    try {
      let carry: Buffer = Buffer.alloc(0);
      let carryStart = this.offset;
      let position = this.offset;
      const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const data: Buffer = carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
        let lineStart = 0;
        for (let newline = data.indexOf(NEWLINE); newline !== -1; newline = data.indexOf(NEWLINE, lineStart)) {
          const event = this.parseLine(data.subarray(lineStart, newline), segment.path, carryStart + lineStart);
          lineStart = newline + 1;
          this.offset = carryStart + lineStart;
          if (event !== undefined) yield event;
        }
        // Copy: `chunk` is reused by the next read.
        carry = Buffer.from(data.subarray(lineStart));
        carryStart += lineStart;
      }
      this.seenSize = position;
    } finally {
      await file.close();
    }
  }

  private parseLine(bytes: Buffer, segment: string, offset: number): AuditEvent | undefined {
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      this.options.onSkippedLine?.({ segment, offset, reason: 'not JSON' });
      return undefined;
    }
    const parsed = auditEventSchema.safeParse(json);
    if (!parsed.success) {
      this.options.onSkippedLine?.({ segment, offset, reason: `not an audit event: ${parsed.error.message}` });
      return undefined;
    }
    return parsed.data;
  }
}
