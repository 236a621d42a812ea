import { lengthAt } from './frame-reader.ts';

const SMALL_COPY_BYTES = 64;

/**
 * Builds the rewritten bytes of a run of frames in one growing buffer: kept frames are copied
 * in bulk, rewritten ones are written in place, so masking a row costs no Buffer of its own.
 */
export class RunWriter {
  private buffer: Buffer;
  private length = 0;
  private frameStart = -1;

  constructor(sizeHint: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(256, sizeHint));
  }

  copy(source: Buffer, start: number, end: number): void {
    const bytes = end - start;
    if (bytes <= 0) return;
    this.reserve(bytes);
    if (bytes <= SMALL_COPY_BYTES) {
      // Buffer.copy creates a typed-array view per call; a few bytes are cheaper copied by hand.
      const target = this.buffer;
      let at = this.length;
      for (let i = start; i < end; i++) target[at++] = source[i]!;
      this.length = at;
      return;
    }
    this.length += source.copy(this.buffer, this.length, start, end);
  }

  int32(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32BE(value, this.length);
    this.length += 4;
  }

  /** Writes a string as UTF-8 and returns its byte length. */
  utf8(text: string): number {
    this.reserve(text.length * 3);
    const target = this.buffer;
    const start = this.length;
    // Masks are short and mostly ASCII: written by hand unless a character needs encoding.
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        const written = target.write(text, start, 'utf8');
        this.length = start + written;
        return written;
      }
      target[start + i] = code;
    }
    this.length = start + text.length;
    return text.length;
  }

  /** Reserves 4 bytes for a length word that `patchInt32` fills in later; returns its position. */
  placeholder(): number {
    this.reserve(4);
    this.length += 4;
    return this.length - 4;
  }

  patchInt32(position: number, value: number): void {
    this.buffer.writeInt32BE(value, position);
  }

  beginFrame(type: number): void {
    this.reserve(5);
    this.frameStart = this.length;
    this.buffer[this.length] = type;
    this.length += 5;
  }

  endFrame(): void {
    this.buffer.writeUInt32BE(this.length - this.frameStart - 1, this.frameStart + 1);
    this.frameStart = -1;
  }

  /** The bytes written; the writer must not be used afterwards (the socket holds the buffer). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** Decides, frame by frame, which frames of a run are replaced, and writes their replacements. */
export interface RunFrameRewriter {
  /** Whether the frame with payload source[payloadStart, end) is replaced. */
  decide(source: Buffer, payloadStart: number, end: number): boolean;
  /** Writes the whole replacing frame (header included) for the frame decide just took. */
  write(writer: RunWriter, source: Buffer, payloadStart: number, end: number): void;
}

/**
 * Rewrites a run (frames back to back) in one pass: kept frames are copied in bulk between the
 * replaced ones. Returns `source` itself, with nothing allocated, when no frame is replaced.
 */
export function rewriteRunFrames(source: Buffer, rewriter: RunFrameRewriter): Buffer {
  let writer: RunWriter | null = null;
  let keptFrom = 0;
  let offset = 0;
  while (offset < source.length) {
    const end = offset + 1 + lengthAt(source, offset + 1);
    if (rewriter.decide(source, offset + 5, end)) {
      writer ??= new RunWriter(source.length + 256);
      writer.copy(source, keptFrom, offset);
      rewriter.write(writer, source, offset + 5, end);
      keptFrom = end;
    }
    offset = end;
  }
  if (writer === null) return source;
  writer.copy(source, keptFrom, source.length);
  return writer.finish();
}
