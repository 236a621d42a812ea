import { castHeaderSchema, formatResize } from '../../shared/api/recordings.ts';
import type { CastEventCode } from '../../shared/api/recordings.ts';
import { recordHead } from './spool-records.ts';
import type { SpoolRecordCode } from './spool-records.ts';
import { incompleteUtf8Tail } from './utf8-tail.ts';

export interface CastHeaderInput {
  width: number;
  height: number;
  env: Record<string, string>;
  /** Unix seconds of the start. */
  timestamp: number;
}

/**
 * Turns a terminal session into spool records (spool-records.ts): the asciicast header, then
 * events timed in seconds since the header, to the microsecond, never going backwards.
 *
 * Output and input are kept as the bytes that came, so recording binary output costs what
 * copying it costs. Bytes arrive cut anywhere, also inside a multi-byte UTF-8 character; each
 * direction holds an incomplete character back until the rest arrives, so every record decodes
 * on its own to what a streaming decoder makes of the whole session.
 */
export class SpoolRecordWriter {
  private heldOutput: Buffer | undefined;
  private heldInput: Buffer | undefined;
  private startMs = 0;
  private lastSeconds = 0;

  constructor(
    /** Receives each record as its parts (head, payload); they are only valid during the call. */
    private readonly sink: (parts: readonly Uint8Array[]) => void,
    /** Milliseconds from a monotonic clock. */
    private readonly clock: () => number,
  ) {}

  header(input: CastHeaderInput): void {
    this.startMs = this.clock();
    // Through the schema: the key order every copy of this header is written in.
    const header = castHeaderSchema.parse({ version: 2, width: input.width, height: input.height, timestamp: input.timestamp, env: input.env });
    this.record('h', 0, Buffer.from(JSON.stringify(header), 'utf8'));
  }

  output(data: Uint8Array): void {
    this.heldOutput = this.bytes('o', this.heldOutput, data);
  }

  input(data: Uint8Array): void {
    this.heldInput = this.bytes('i', this.heldInput, data);
  }

  resize(cols: number, rows: number): void {
    this.record('r', this.now(), Buffer.from(formatResize(cols, rows), 'utf8'));
  }

  marker(label: string): void {
    this.record('m', this.now(), Buffer.from(label, 'utf8'));
  }

  /** Writes what is still held back (an incomplete character, which decodes to U+FFFD). */
  finish(): void {
    if (this.heldOutput !== undefined) this.record('o', this.now(), this.heldOutput);
    if (this.heldInput !== undefined) this.record('i', this.now(), this.heldInput);
    this.heldOutput = undefined;
    this.heldInput = undefined;
  }

  /** Records `data` after what was held for its direction; answers what to hold now. */
  private bytes(code: Extract<CastEventCode, 'o' | 'i'>, held: Buffer | undefined, data: Uint8Array): Buffer | undefined {
    const bytes = held === undefined ? data : Buffer.concat([held, data]);
    const tail = incompleteUtf8Tail(bytes);
    const complete = tail === 0 ? bytes : bytes.subarray(0, bytes.length - tail);
    if (complete.length > 0) this.record(code, this.now(), complete);
    // A copy: the caller may reuse its buffer once this returns.
    return tail === 0 ? undefined : Buffer.from(bytes.subarray(bytes.length - tail));
  }

  private now(): number {
    const seconds = Math.max(this.lastSeconds, Math.round((this.clock() - this.startMs) * 1000) / 1_000_000);
    this.lastSeconds = seconds;
    return seconds;
  }

  private record(code: SpoolRecordCode, seconds: number, payload: Uint8Array): void {
    this.sink([recordHead(code, seconds, payload.length), payload]);
  }
}
