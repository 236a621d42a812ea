import { ProtocolError } from './protocol-error.ts';

/** One framed message: a type byte and its payload, plus the whole frame for verbatim forwarding. */
export interface Frame {
  readonly type: number;
  /** The payload without type byte and length word. */
  readonly payload: Buffer;
  /** The whole frame (type + length + payload), a view into the received bytes. */
  readonly raw: Buffer;
}

/**
 * The length word at `at` (unsigned, big-endian). Read by hand: it runs once per row of every
 * result, and readUInt32BE's argument checks showed up in profiles; callers know 4 bytes are there.
 */
export function lengthAt(bytes: Buffer, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/**
 * Consecutive frames of one streaming type (DataRow, CopyData) taken as one slice: a result
 * that passes unchanged is counted and forwarded without a Frame object per row.
 */
export interface FrameRun {
  readonly run: true;
  readonly type: number;
  /** How many frames the slice holds. */
  readonly count: number;
  /** The frames back to back, a view into the received bytes. */
  readonly raw: Buffer;
}

export function isFrameRun(item: Frame | FrameRun): item is FrameRun {
  return 'run' in item;
}

/** The frames of a run, one by one, for a consumer that must look at each. */
export function framesOfRun(run: FrameRun): Frame[] {
  const frames: Frame[] = [];
  const raw = run.raw;
  let offset = 0;
  while (offset < raw.length) {
    const end = offset + 1 + lengthAt(raw, offset + 1);
    frames.push({ type: raw[offset]!, payload: raw.subarray(offset + 5, end), raw: raw.subarray(offset, end) });
    offset = end;
  }
  return frames;
}

/**
 * Splits a byte stream of typed protocol messages into frames without copying in the common
 * case: frames are views into the received chunk, and only a frame split across chunks is
 * assembled, into a buffer sized once from its length word (so a 10 MB value is not
 * re-concatenated per chunk).
 */
export class FrameReader {
  private partial: Buffer | null = null;
  private partialFilled = 0;
  private maxMessageBytes: number;
  private readonly peer: string;

  constructor(opts: { maxMessageBytes: number; peer: string }) {
    this.maxMessageBytes = opts.maxMessageBytes;
    this.peer = opts.peer;
  }

  /** Authentication runs under a small limit; the session raises it once the peer is trusted. */
  setMaxMessageBytes(limit: number): void {
    this.maxMessageBytes = limit;
  }

  /** Bytes held for an incomplete frame; the caller's flow control can watch it. */
  get bufferedBytes(): number {
    return this.partialFilled;
  }

  /**
   * Appends a chunk and returns every complete frame it finishes, in order.
   * Throws ProtocolError on an impossible length; the connection must then be closed.
   */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let data = chunk;
    if (this.partial !== null) {
      data = this.fillPartial(chunk, frames);
      if (this.partial !== null) return frames;
    }
    let offset = 0;
    while (data.length - offset >= 5) {
      const type = data[offset]!;
      const length = data.readUInt32BE(offset + 1);
      this.checkLength(type, length);
      const end = offset + 1 + length;
      if (end > data.length) break;
      frames.push({ type, payload: data.subarray(offset + 5, end), raw: data.subarray(offset, end) });
      offset = end;
    }
    if (offset < data.length) this.startPartial(data.subarray(offset));
    return frames;
  }

  private checkLength(type: number, length: number): void {
    if (length < 4) throw new ProtocolError(`invalid message length ${length} from ${this.peer}`);
    if (length + 1 > this.maxMessageBytes) {
      throw new ProtocolError(
        `message of type '${String.fromCharCode(type)}' from ${this.peer} is ${length + 1} bytes, over the ${this.maxMessageBytes}-byte limit`,
        '54000',
      );
    }
  }

  /**
   * Like push, but consecutive frames of one of `runTypes` come back as one FrameRun (a frame
   * that had to be assembled across chunks stays a Frame of its own).
   */
  pushRuns(chunk: Buffer, runTypes: ReadonlySet<number>): (Frame | FrameRun)[] {
    const items: (Frame | FrameRun)[] = [];
    let data = chunk;
    if (this.partial !== null) {
      data = this.fillPartial(chunk, items as Frame[]);
      if (this.partial !== null) return items;
    }
    let offset = 0;
    let runType = -1;
    let runStart = 0;
    let runCount = 0;
    while (data.length - offset >= 5) {
      const type = data[offset]!;
      const length = lengthAt(data, offset + 1);
      this.checkLength(type, length);
      const end = offset + 1 + length;
      if (end > data.length) break;
      if (type === runType) {
        runCount++;
      } else {
        if (runCount > 0) items.push({ run: true, type: runType, count: runCount, raw: data.subarray(runStart, offset) });
        runCount = 0;
        runType = -1;
        if (runTypes.has(type)) {
          runType = type;
          runStart = offset;
          runCount = 1;
        } else {
          items.push({ type, payload: data.subarray(offset + 5, end), raw: data.subarray(offset, end) });
        }
      }
      offset = end;
    }
    if (runCount > 0) items.push({ run: true, type: runType, count: runCount, raw: data.subarray(runStart, offset) });
    if (offset < data.length) this.startPartial(data.subarray(offset));
    return items;
  }

  private startPartial(rest: Buffer): void {
    if (rest.length >= 5) {
      const type = rest[0]!;
      const length = rest.readUInt32BE(1);
      this.checkLength(type, length);
      this.partial = Buffer.allocUnsafe(length + 1);
    } else {
      // The header itself is split; hold it in a small buffer until the length is known.
      this.partial = Buffer.allocUnsafe(5);
    }
    rest.copy(this.partial, 0);
    this.partialFilled = rest.length;
  }

  /** Completes the held frame from `chunk`; returns the rest of the chunk. */
  private fillPartial(chunk: Buffer, frames: Frame[]): Buffer {
    let partial = this.partial!;
    let used = 0;
    if (partial.length === 5 && this.partialFilled < 5) {
      const need = 5 - this.partialFilled;
      const take = Math.min(need, chunk.length);
      chunk.copy(partial, this.partialFilled, 0, take);
      this.partialFilled += take;
      used = take;
      if (this.partialFilled < 5) return chunk.subarray(chunk.length);
      const type = partial[0]!;
      const length = partial.readUInt32BE(1);
      this.checkLength(type, length);
      const full = Buffer.allocUnsafe(length + 1);
      partial.copy(full, 0, 0, 5);
      partial = full;
      this.partial = full;
    }
    const need = partial.length - this.partialFilled;
    const take = Math.min(need, chunk.length - used);
    chunk.copy(partial, this.partialFilled, used, used + take);
    this.partialFilled += take;
    used += take;
    if (this.partialFilled < partial.length) return chunk.subarray(chunk.length);
    frames.push({ type: partial[0]!, payload: partial.subarray(5), raw: partial });
    this.partial = null;
    this.partialFilled = 0;
    return chunk.subarray(used);
  }
}
