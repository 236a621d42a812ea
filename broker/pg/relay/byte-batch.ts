/** An arena starts at this size and doubles while one flush needs more, up to the cap. */
const ARENA_BYTES = 64 * 1024;
const MAX_ARENA_BYTES = 4 * 1024 * 1024;
/** Written arenas kept for reuse: one in flight, one being filled, one spare. */
const MAX_SPARE_ARENAS = 2;

/**
 * Collects outgoing frames for one write. Frames that are adjacent in the same received chunk
 * are merged back into one zero-copy slice, so an unmodified result streams with one write per
 * chunk; small rewritten frames (masked rows) and rewritten runs are copied into an arena.
 *
 * Arenas are reused once the socket has written them (releaseTaken gives the write its
 * callback): a fresh arena per flush, or a fresh buffer per masked run, is external memory V8
 * counts, and churning it through a stream made V8 collect far more often than the stream's
 * own allocations needed.
 */
export class ByteBatch {
  private parts: Buffer[] = [];
  private runBuffer: ArrayBufferLike | null = null;
  private runStart = 0;
  private runEnd = 0;
  private bytes = 0;
  private arena: Buffer = Buffer.allocUnsafe(ARENA_BYTES);
  private arenaUsed = 0;
  private arenaSegmentStart = -1;
  /** Arenas that hold bytes of taken parts the socket may not have written yet. */
  private taken: Buffer[] = [];
  private readonly spares: Buffer[] = [];

  add(b: Buffer): void {
    this.bytes += b.length;
    if (this.runBuffer === b.buffer && b.byteOffset === this.runEnd) {
      this.runEnd += b.length;
      return;
    }
    // Nothing collected yet: start a zero-copy slice (the common case, a chunk passing through).
    if (this.runBuffer === null && this.arenaSegmentStart < 0 && this.parts.length === 0) {
      this.runBuffer = b.buffer;
      this.runStart = b.byteOffset;
      this.runEnd = b.byteOffset + b.length;
      return;
    }
    // A small frame that does not continue the current slice: copying it is cheaper than
    // carrying one more part to concatenate later.
    if (b.length <= 8192) {
      this.closeRun();
      this.copyIntoArena(b);
      return;
    }
    this.closeRun();
    this.closeArenaSegment();
    this.runBuffer = b.buffer;
    this.runStart = b.byteOffset;
    this.runEnd = b.byteOffset + b.length;
  }

  /** Copies `b` whatever its size: for bytes in a buffer its owner reuses once this returns. */
  addCopy(b: Buffer): void {
    this.bytes += b.length;
    this.closeRun();
    this.copyIntoArena(b);
  }

  get size(): number {
    return this.bytes;
  }

  /**
   * Takes the collected bytes as slices in order (empty when there are none). They are not
   * joined: a socket writes them with one writev, where joining would copy a whole chunk
   * whenever a frame assembled across reads precedes it.
   */
  take(): Buffer[] {
    this.closeRun();
    this.closeArenaSegment();
    const parts = this.parts;
    this.parts = [];
    this.bytes = 0;
    if (this.arenaUsed > 0) {
      // The socket holds what went out until it is written: continue in another arena.
      this.taken.push(this.arena);
      this.arena = this.freshArena(Math.min(this.arena.length, MAX_ARENA_BYTES));
      this.arenaUsed = 0;
    }
    return parts;
  }

  /**
   * For the write of everything taken so far: a callback that makes its arenas reusable, or
   * undefined when they used none. Call it only once the socket has written those bytes (its
   * write callback).
   */
  releaseTaken(): (() => void) | undefined {
    if (this.taken.length === 0) return undefined;
    const arenas = this.taken;
    this.taken = [];
    return () => {
      for (const arena of arenas) if (this.spares.length < MAX_SPARE_ARENAS) this.spares.push(arena);
    };
  }

  private freshArena(minBytes: number): Buffer {
    const spare = this.spares.pop();
    if (spare !== undefined && spare.length >= minBytes) return spare;
    return Buffer.allocUnsafe(Math.max(ARENA_BYTES, minBytes));
  }

  private copyIntoArena(b: Buffer): void {
    if (this.arenaUsed + b.length > this.arena.length) {
      this.closeArenaSegment();
      // The filled arena is referenced by parts already taken into the list; continue in a new one.
      if (this.arenaUsed > 0) this.taken.push(this.arena);
      this.arena = this.freshArena(Math.max(Math.min(this.arena.length * 2, MAX_ARENA_BYTES), b.length));
      this.arenaUsed = 0;
    }
    if (this.arenaSegmentStart < 0) this.arenaSegmentStart = this.arenaUsed;
    b.copy(this.arena, this.arenaUsed);
    this.arenaUsed += b.length;
  }

  private closeArenaSegment(): void {
    if (this.arenaSegmentStart < 0) return;
    this.parts.push(this.arena.subarray(this.arenaSegmentStart, this.arenaUsed));
    this.arenaSegmentStart = -1;
  }

  private closeRun(): void {
    if (this.runBuffer === null) return;
    this.parts.push(Buffer.from(this.runBuffer as ArrayBuffer, this.runStart, this.runEnd - this.runStart));
    this.runBuffer = null;
  }
}
