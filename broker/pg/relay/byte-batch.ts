/**
 * Collects outgoing frames for one write. Frames that are adjacent in the same received chunk
 * are merged back into one zero-copy slice, so an unmodified result streams with one write per
 * chunk; small rewritten frames (masked rows) are copied into a reusable arena, so a masked
 * stream costs one copy per row instead of one allocation per row plus a final concatenation.
 */
export class ByteBatch {
  private parts: Buffer[] = [];
  private runBuffer: ArrayBufferLike | null = null;
  private runStart = 0;
  private runEnd = 0;
  private bytes = 0;
  private arena: Buffer = Buffer.allocUnsafe(64 * 1024);
  private arenaUsed = 0;
  private arenaSegmentStart = -1;

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
    // Whatever went out may still reference the arena (the socket holds it until written): start a fresh one.
    if (this.arenaUsed > 0) {
      this.arena = Buffer.allocUnsafe(Math.max(64 * 1024, Math.min(this.arena.length, 4 * 1024 * 1024)));
      this.arenaUsed = 0;
    }
    return parts;
  }

  private copyIntoArena(b: Buffer): void {
    if (this.arenaUsed + b.length > this.arena.length) {
      this.closeArenaSegment();
      // The filled arena is referenced by parts already taken into the list; continue in a new one.
      this.arena = Buffer.allocUnsafe(Math.max(this.arena.length * 2, b.length));
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
