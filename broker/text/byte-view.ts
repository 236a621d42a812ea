/**
 * A DataView over a Buffer's bytes, for reading words in one load: reading a length word or
 * scanning for a byte four at a time beats four indexed reads, and DataView reads are
 * inlined by the optimizer where Buffer.readInt32BE's argument checks are not.
 *
 * The view of the last buffer asked about is kept, since a rewrite asks about the same run
 * for every row in it; that keeps one buffer alive until another is asked about.
 */
let lastBuffer: Buffer | null = null;
let lastView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

export function viewOf(buffer: Buffer): DataView<ArrayBufferLike> {
  if (buffer !== lastBuffer) {
    lastView = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    lastBuffer = buffer;
  }
  return lastView;
}
