import { lengthAt } from './frame-reader.ts';

/** Below this, a hand loop beats Buffer.copy's fixed ~60 ns (measured on Node 20: 16 B 30 ns, 64 B 100 ns by hand). */
const SMALL_COPY_BYTES = 32;
/** Below this, a hand loop beats copyWithin's ~20 ns. */
const TINY_COPY_BYTES = 8;

/** Where staged writers work; grows to the largest run seen (twice it, plus growth). */
let stagingScratch = Buffer.allocUnsafe(0);

/**
 * Builds the rewritten bytes of a run of frames in one growing buffer: kept frames are copied
 * in bulk, rewritten ones are written in place, so masking a row costs no Buffer of its own.
 * Copies of adjacent source ranges are joined and made as one: the kept rows before a masked
 * row, its header and its values up to the masked one cost a single memcpy.
 *
 * A writer may stage the run it rewrites: the run is copied once into the front of a scratch
 * buffer, every later copy from it is a copyWithin in that buffer, and finish hands out a
 * view of the output there (see finish). Buffer.copy between two buffers makes a typed-array
 * view per call (~60 ns, a third of masking a row); copyWithin makes none.
 */
export class RunWriter {
  private buffer: Buffer;
  /** Where the output starts in `buffer` (after the staged run, if any). */
  private readonly base: number;
  private length: number;
  private frameStart = -1;
  private pendingSource: Buffer | null = null;
  private pendingStart = 0;
  private pendingEnd = 0;
  /** A frame length word inside the pending copy, written once that copy is made (see beginFrameOfLength). */
  private patchAt = -1;
  private patchValue = 0;

  constructor(
    sizeHint: number,
    private readonly staged: Buffer | null = null,
  ) {
    if (staged === null) {
      this.buffer = Buffer.allocUnsafe(Math.max(256, sizeHint));
      this.base = 0;
    } else {
      // Staged writers work in one scratch buffer kept between runs (a rewrite is synchronous, so
      // only one is ever in progress): a fresh buffer of twice the run per run cost more in
      // allocation and page faults than the copies it saved.
      const needed = staged.length + Math.max(256, sizeHint);
      if (stagingScratch.length < needed) stagingScratch = Buffer.allocUnsafe(Math.max(needed, stagingScratch.length * 2));
      this.buffer = stagingScratch;
      staged.copy(this.buffer, 0);
      this.base = staged.length;
    }
    this.length = this.base;
  }

  copy(source: Buffer, start: number, end: number): void {
    if (end <= start) return;
    if (source === this.pendingSource && start === this.pendingEnd) {
      this.pendingEnd = end;
      return;
    }
    this.flush();
    this.pendingSource = source;
    this.pendingStart = start;
    this.pendingEnd = end;
  }

  int32(value: number): void {
    this.flush();
    this.reserve(4);
    this.put32(this.length, value);
    this.length += 4;
  }

  /** Writes a string as UTF-8 and returns its byte length. */
  utf8(text: string): number {
    this.flush();
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
    this.flush();
    this.reserve(4);
    this.length += 4;
    return this.length - 4;
  }

  patchInt32(position: number, value: number): void {
    this.put32(position, value);
  }

  /**
   * Begins a frame by copying the header of the frame it replaces, source[headerStart, +5):
   * joined to the kept bytes before it, and its length word fixed by endFrame.
   */
  beginCopiedFrame(source: Buffer, headerStart: number): void {
    this.copy(source, headerStart, headerStart + 5);
    this.frameStart = this.length + (this.pendingEnd - this.pendingStart) - 5;
  }

  /**
   * Like beginCopiedFrame, when the caller already knows the new frame's length word: nothing
   * is left to fix at the end, so the frame's tail can join the next frame's head in one copy.
   */
  beginFrameOfLength(source: Buffer, headerStart: number, lengthWord: number): void {
    this.copy(source, headerStart, headerStart + 5);
    this.patchAt = this.length + (this.pendingEnd - this.pendingStart) - 4;
    this.patchValue = lengthWord;
  }

  /** Copies source[start, end) at once, by hand: for the few bytes of a mask, where a copy call costs more. */
  copySmall(source: Buffer, start: number, end: number): void {
    this.flush();
    this.reserve(end - start);
    const target = this.buffer;
    let at = this.length;
    for (let i = start; i < end; i++) target[at++] = source[i]!;
    this.length = at;
  }

  /**
   * A length word, then source[start, start + headBytes) and `literal`, written at once by hand:
   * a masked value's length and the bytes of its mask before the value's own tail, in one call.
   */
  int32ThenBytes(value: number, source: Buffer, start: number, headBytes: number, literal: Buffer): void {
    this.flush();
    this.reserve(4 + headBytes + literal.length);
    const target = this.buffer;
    this.put32(this.length, value);
    let at = this.length + 4;
    for (let i = start; i < start + headBytes; i++) target[at++] = source[i]!;
    for (let i = 0; i < literal.length; i++) target[at++] = literal[i]!;
    this.length = at;
  }

  endFrame(): void {
    this.flush();
    this.put32(this.frameStart + 1, this.length - this.frameStart - 1);
    this.frameStart = -1;
  }

  /**
   * The rewritten bytes; the writer must not be used afterwards. A staged writer's output is a
   * view into the shared scratch buffer, valid only until the next staged writer starts: the
   * caller copies it (the session copies it into its write arena) rather than this allocating
   * a buffer per run.
   */
  finish(): Buffer {
    this.flush();
    return this.buffer.subarray(this.base, this.length);
  }

  /** A big-endian 32-bit word, by hand: writeInt32BE's argument checks showed in profiles. */
  private put32(at: number, value: number): void {
    const target = this.buffer;
    target[at] = value >>> 24;
    target[at + 1] = value >>> 16;
    target[at + 2] = value >>> 8;
    target[at + 3] = value;
  }

  private flush(): void {
    const source = this.pendingSource;
    if (source === null) return;
    this.pendingSource = null;
    const start = this.pendingStart;
    const end = this.pendingEnd;
    const bytes = end - start;
    this.reserve(bytes);
    const staged = source === this.staged;
    if (bytes <= (staged ? TINY_COPY_BYTES : SMALL_COPY_BYTES)) {
      const target = this.buffer;
      let at = this.length;
      for (let i = start; i < end; i++) target[at++] = source[i]!;
      this.length = at;
    } else {
      if (staged) this.buffer.copyWithin(this.length, start, end);
      else source.copy(this.buffer, this.length, start, end);
      this.length += bytes;
    }
    if (this.patchAt >= 0) {
      this.put32(this.patchAt, this.patchValue);
      this.patchAt = -1;
    }
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
    if (this.staged !== null) stagingScratch = grown;
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
 * A run (frames back to back) being rewritten frame by frame: the bytes between replaced
 * frames are kept and copied in bulk when the next replacement starts, and nothing is
 * allocated until a frame is replaced.
 */
export class RunRewrite {
  private writer: RunWriter | null = null;
  /** Where the source bytes not yet written start. */
  private keptFrom = 0;

  constructor(private readonly source: Buffer) {}

  /** The writer, once the source bytes before `position` that are not yet written are copied. */
  writerAt(position: number): RunWriter {
    this.writer ??= new RunWriter(this.source.length + 256, this.source);
    this.writer.copy(this.source, this.keptFrom, position);
    return this.writer;
  }

  /** The source bytes from `position` on are kept as they are (until the next writerAt). */
  keepFrom(position: number): void {
    this.keptFrom = position;
  }

  /** Asks `rewriter` about the frame source[frameStart, end), and writes its replacement if it takes it. */
  replaceIfDecided(rewriter: RunFrameRewriter, frameStart: number, end: number): void {
    if (!rewriter.decide(this.source, frameStart + 5, end)) return;
    rewriter.write(this.writerAt(frameStart), this.source, frameStart + 5, end);
    this.keptFrom = end;
  }

  /** The rewritten run (see RunWriter.finish), or the source itself when no frame was replaced. */
  finish(): Buffer {
    if (this.writer === null) return this.source;
    this.writer.copy(this.source, this.keptFrom, this.source.length);
    return this.writer.finish();
  }
}

/**
 * Rewrites a run (frames back to back) in one pass: kept frames are copied in bulk between the
 * replaced ones. Returns `source` itself, with nothing allocated, when no frame is replaced.
 */
export function rewriteRunFrames(source: Buffer, rewriter: RunFrameRewriter): Buffer {
  const run = new RunRewrite(source);
  for (let offset = 0; offset < source.length; ) {
    const end = offset + 1 + lengthAt(source, offset + 1);
    run.replaceIfDecided(rewriter, offset, end);
    offset = end;
  }
  return run.finish();
}
