import { REDACTED_TOKEN, type MaskStyle } from '../../shared/masking/mask-style.ts';
import type { RunWriter } from '../pg/protocol/run-writer.ts';
import { acceptsSecond, sequenceLength } from '../text/utf8-sequences.ts';
import { viewOf } from '../text/byte-view.ts';

const REDACTED = Buffer.from(REDACTED_TOKEN, 'utf8');
const STARS = Buffer.from('***', 'utf8');
const AT = 0x40;

/**
 * The length of the UTF-8 character starting at source[i], 0 when invalid: overlong forms,
 * surrogates and values past U+10FFFF are invalid too, as the decoder (which replaces them) has it.
 */
function characterLength(source: Buffer, i: number, end: number): number {
  const lead = source[i]!;
  const length = sequenceLength(lead);
  if (length === 0 || i + length > end) return 0;
  if (length === 1) return 1;
  if (!acceptsSecond(lead, source[i + 1]!)) return 0;
  for (let k = 2; k < length; k++) if ((source[i + k]! & 0xc0) !== 0x80) return 0;
  return length;
}

/** Whether source[start, end) is valid UTF-8, so copying it gives what decoding and re-encoding would. */
function isValidUtf8(source: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; ) {
    if (source[i]! < 0x80) {
      i++;
      continue;
    }
    const length = characterLength(source, i, end);
    if (length === 0) return false;
    i += length;
  }
  return true;
}

const AT_IN_EVERY_BYTE = 0x40404040;
const ONE_IN_EVERY_BYTE = 0x01010101;
const HIGH_BIT_OF_EVERY_BYTE = 0x80808080 | 0;

/** The position of the one '@' of an e-mail in source[start, end), or -1 when it is not shaped like one. */
function emailAt(source: Buffer, start: number, end: number, view: DataView<ArrayBufferLike>): number {
  let at = -1;
  // One pass finds the '@' and ORs the bytes together: most e-mails are ASCII, and then the
  // first character and the domain need no UTF-8 check. Four bytes at a time: a word with no
  // '@' (no zero byte once XORed with '@@@@') is passed at once.
  let bits = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const word = view.getInt32(i, true);
    bits |= word;
    const x = word ^ AT_IN_EVERY_BYTE;
    if (((x - ONE_IN_EVERY_BYTE) & ~x & HIGH_BIT_OF_EVERY_BYTE) === 0) continue;
    for (let j = i; j < i + 4; j++) {
      if (source[j] !== AT) continue;
      if (at >= 0) return -1;
      at = j;
    }
  }
  for (; i < end; i++) {
    const byte = source[i]!;
    if (byte === AT) {
      if (at >= 0) return -1;
      at = i;
    }
    bits |= byte;
  }
  if (at <= start || at >= end - 1) return -1;
  if ((bits & HIGH_BIT_OF_EVERY_BYTE) === 0) return at;
  const first = characterLength(source, start, end);
  // The first character and the domain are sent; an invalid byte in them goes the string way (and is replaced).
  return first === 0 || start + first > at || !isValidUtf8(source, at + 1, end) ? -1 : at;
}

/**
 * Whether the mask of the UTF-8 value source[start, end) can be written from its bytes, with
 * no string made: `redact` always, `partial` for an e-mail (the most common masked column).
 * Returns where writeMaskBytes cuts the value (the '@' of an e-mail), or -1 when the value
 * must be decoded and masked as a string. The bytes written are exactly the UTF-8 of
 * applyMaskStyle's result. `view` is viewOf(source), for a caller that has it at hand.
 */
export function byteMaskCut(style: MaskStyle, source: Buffer, start: number, end: number, view = viewOf(source)): number {
  if (style === 'redact') return start;
  return style === 'partial' ? emailAt(source, start, end, view) : -1;
}

/*
 * A mask byteMaskCut accepted is three pieces: the value's first maskHeadLength bytes (the first
 * character of an e-mail, nothing for `redact`), a fixed maskLiteral (`***` or the redaction
 * token), then the value's own bytes from maskTailStart on (the '@' and the domain).
 */

export function maskHeadLength(style: MaskStyle, source: Buffer, start: number, end: number): number {
  if (style === 'redact') return 0;
  return source[start]! < 0x80 ? 1 : characterLength(source, start, end);
}

export function maskLiteral(style: MaskStyle): Buffer {
  return style === 'redact' ? REDACTED : STARS;
}

export function maskTailStart(style: MaskStyle, end: number, cut: number): number {
  return style === 'redact' ? end : cut;
}

/** Writes the mask decided by byteMaskCut (with its cut); returns how many bytes it wrote. */
export function writeMaskBytes(style: MaskStyle, source: Buffer, start: number, end: number, cut: number, writer: RunWriter): number {
  const head = maskHeadLength(style, source, start, end);
  const literal = maskLiteral(style);
  const tail = maskTailStart(style, end, cut);
  writer.copySmall(source, start, start + head);
  writer.copySmall(literal, 0, literal.length);
  writer.copy(source, tail, end);
  return head + literal.length + (end - tail);
}
