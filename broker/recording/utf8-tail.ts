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

/** Bytes of the sequence a lead byte opens; 0 for a byte no sequence starts with. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

function acceptsSecond(lead: number, second: number): boolean {
  if (lead === 0xe0) return second >= 0xa0 && second <= 0xbf;
  if (lead === 0xed) return second >= 0x80 && second <= 0x9f;
  if (lead === 0xf0) return second >= 0x90 && second <= 0xbf;
  if (lead === 0xf4) return second >= 0x80 && second <= 0x8f;
  return second >= 0x80 && second <= 0xbf;
}
