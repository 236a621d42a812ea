import { acceptsSecond, sequenceLength } from '../text/utf8-sequences.ts';

/**
 * How many bytes at the end of `bytes` open a UTF-8 character that is not complete yet: the
 * bytes a streaming TextDecoder would hold back. Pieces cut after holding these back each decode
 * on their own to exactly what one streaming decoder makes of the whole, so a recording can
 * keep raw bytes and still be decoded chunk by chunk, after a crash, in any order.
 */
export function incompleteUtf8Tail(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = sequenceLength(byte);
    if (needed <= back) return 0;
    // The decoder takes a lead's second byte only from a narrower range for these leads (no
    // overlong forms, no surrogates, nothing past U+10FFFF); outside it, the lead is already
    // replaced and nothing is held.
    if (back >= 2 && !acceptsSecond(byte, bytes[length - back + 1]!)) return 0;
    return back;
  }
  return 0;
}
