/*
 * The UTF-8 rules a WHATWG decoder applies (the one TextDecoder and Buffer#toString use), for
 * code that works on bytes and must agree with it exactly about which bytes are a character.
 */

/** Bytes of the sequence a lead byte opens; 1 for ASCII, 0 for a byte no sequence starts with. */
export function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Whether the decoder takes `second` after `lead`: these leads allow a narrower range (no
 * overlong forms, no surrogates, nothing past U+10FFFF); the rest any continuation byte.
 */
export function acceptsSecond(lead: number, second: number): boolean {
  if (lead === 0xe0) return second >= 0xa0 && second <= 0xbf;
  if (lead === 0xed) return second >= 0x80 && second <= 0x9f;
  if (lead === 0xf0) return second >= 0x90 && second <= 0xbf;
  if (lead === 0xf4) return second >= 0x80 && second <= 0x8f;
  return second >= 0x80 && second <= 0xbf;
}
