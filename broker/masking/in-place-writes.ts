/**
 * Writes for masking a run over its own bytes (byte-mask-run.ts, copy-mask-run.ts): output only
 * ever moves towards the start of the buffer, so every write lands on bytes already read.
 */

/** Moves below this many bytes are made by hand: copyWithin costs ~20 ns a call. */
const TINY_MOVE_BYTES = 8;

/** Moves source[from, to) down to `at` (at <= from); returns where the moved bytes end. */
export function moveDown(source: Buffer, at: number, from: number, to: number): number {
  const bytes = to - from;
  if (at !== from && bytes > 0) {
    if (bytes < TINY_MOVE_BYTES) for (let i = 0; i < bytes; i++) source[at + i] = source[from + i]!;
    else source.copyWithin(at, from, to);
  }
  return at + bytes;
}

/** Writes `bytes` at `at` by hand (a mask's few fixed bytes); returns where they end. */
export function putBytes(target: Buffer, at: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) target[at + i] = bytes[i]!;
  return at + bytes.length;
}

/** A big-endian 32-bit word, by hand: writeInt32BE's argument checks showed in profiles. */
export function putInt32(target: Buffer, at: number, value: number): void {
  target[at] = value >>> 24;
  target[at + 1] = value >>> 16;
  target[at + 2] = value >>> 8;
  target[at + 3] = value;
}
