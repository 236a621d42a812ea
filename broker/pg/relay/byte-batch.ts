/**
 * Collects outgoing frames and merges frames that are adjacent in the same received chunk
 * back into one slice, so an unmodified result streams with one write per chunk rather than
 * one per row.
 */
export class ByteBatch {
  private parts: Buffer[] = [];
  private runBuffer: ArrayBufferLike | null = null;
  private runStart = 0;
  private runEnd = 0;
  private bytes = 0;

  add(b: Buffer): void {
    if (this.runBuffer === b.buffer && b.byteOffset === this.runEnd) {
      this.runEnd += b.length;
    } else {
      this.closeRun();
      this.runBuffer = b.buffer;
      this.runStart = b.byteOffset;
      this.runEnd = b.byteOffset + b.length;
    }
    this.bytes += b.length;
  }

  get size(): number {
    return this.bytes;
  }

  /** Takes the collected bytes as one buffer (or null if empty). */
  take(): Buffer | null {
    this.closeRun();
    const parts = this.parts;
    this.parts = [];
    this.bytes = 0;
    if (parts.length === 0) return null;
    if (parts.length === 1) return parts[0]!;
    return Buffer.concat(parts);
  }

  private closeRun(): void {
    if (this.runBuffer === null) return;
    this.parts.push(Buffer.from(this.runBuffer as ArrayBuffer, this.runStart, this.runEnd - this.runStart));
    this.runBuffer = null;
  }
}
