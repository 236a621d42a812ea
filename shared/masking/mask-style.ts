import { createHmac } from 'node:crypto';
import { z } from 'zod';

/**
 * How a sensitive value is shown to the client. Every style leaves a shape a person (or a
 * program) can recognise as masked, so a masked value is never mistaken for real data:
 *
 * | style   | result                                   | example                                        |
 * |---------|------------------------------------------|------------------------------------------------|
 * | redact  | the fixed token `[REDACTED]`             | `sk_live_abc…` → `[REDACTED]`                  |
 * | partial | keeps the shape, a hint and separators   | `jane@example.com` → `j***@example.com`        |
 * |         |                                          | `+1 555 123 4567` → `+1 *** *** 4567`          |
 * |         |                                          | `4111-1111-1111-1111` → `****-****-****-1111`  |
 * | last4   | `*` for all but the last 4 alphanumerics | `4111111111111111` → `************1111`        |
 * | hash    | `h:` + 16 hex of HMAC-SHA256(key, value) | equal inputs give equal outputs: joins work    |
 * | null    | SQL NULL                                 |                                                |
 *
 * Masks never contain quotes, backslashes, commas, braces or whitespace, so replacing a span
 * inside JSON strings, array literals or CSV-ish text keeps that text well-formed.
 */
export const MaskStyle = z.enum(['redact', 'partial', 'last4', 'hash', 'null']);
export type MaskStyle = z.infer<typeof MaskStyle>;

export const REDACTED_TOKEN = '[REDACTED]';
export const MASK_CHAR = '*';
export const HASH_PREFIX = 'h:';
const HASH_HEX_LENGTH = 16;

// Partial masking of long identifiers (phones, cards, IBANs) keeps their last 4 characters
// so a person can tell two of them apart; shorter values keep no tail at all.
const PARTIAL_TAIL_MIN_LENGTH = 10;
const PARTIAL_HEAD_MIN_LENGTH = 5;
const TAIL_LENGTH = 4;

export function applyMaskStyle(value: string, style: MaskStyle, hashKey: Buffer): string | null {
  switch (style) {
    case 'redact':
      return REDACTED_TOKEN;
    case 'partial':
      return maskPartial(value);
    case 'last4':
      return maskAllButLast4(value);
    case 'hash':
      return hashForJoins(value, hashKey);
    case 'null':
      return null;
    default:
      return style satisfies never;
  }
}

/**
 * Keeps an e-mail's first character and domain (`j***@example.com`). Other values keep their
 * separators; the first character is kept when the value starts with `+` or a letter (country
 * code, initial) and has at least 5 characters; the last 4 are kept when they are digits and
 * the value has at least 10 characters. Counting ignores separators.
 */
export function maskPartial(value: string): string {
  const at = value.indexOf('@');
  if (at > 0 && at === value.lastIndexOf('@') && at < value.length - 1) {
    const firstCodePoint = String.fromCodePoint(value.codePointAt(0) ?? 0);
    return `${firstCodePoint}${MASK_CHAR.repeat(3)}${value.slice(at)}`;
  }
  const chars = Array.from(value);
  const maskablePositions = positionsOfMaskable(chars);
  const count = maskablePositions.length;
  const first = chars[0] ?? '';
  const keepHead = count >= PARTIAL_HEAD_MIN_LENGTH && (first === '+' || isLetter(chars[maskablePositions[0] ?? 0] ?? ''));
  const tail = maskablePositions.slice(-TAIL_LENGTH);
  const keepTail = count >= PARTIAL_TAIL_MIN_LENGTH && tail.every((position) => isAsciiDigit(chars[position] ?? ''));
  const kept = new Set<number>();
  if (keepHead && maskablePositions[0] !== undefined) kept.add(maskablePositions[0]);
  if (keepTail) for (const position of tail) kept.add(position);
  return maskPositions(chars, maskablePositions, kept);
}

/** `*` for every alphanumeric but the last four; values of four or fewer are masked whole. */
export function maskAllButLast4(value: string): string {
  const chars = Array.from(value);
  const maskablePositions = positionsOfMaskable(chars);
  const kept = new Set(maskablePositions.length > TAIL_LENGTH ? maskablePositions.slice(-TAIL_LENGTH) : []);
  return maskPositions(chars, maskablePositions, kept);
}

/** Keyed so that nobody without the key can confirm a guess; truncated because it only needs to separate values. */
export function hashForJoins(value: string, hashKey: Buffer): string {
  if (hashKey.length === 0) throw new Error('hash masking needs a non-empty key');
  const digest = createHmac('sha256', hashKey).update(value, 'utf8').digest('hex');
  return HASH_PREFIX + digest.slice(0, HASH_HEX_LENGTH);
}

function maskPositions(chars: string[], maskablePositions: number[], kept: ReadonlySet<number>): string {
  for (const position of maskablePositions) {
    if (!kept.has(position)) chars[position] = MASK_CHAR;
  }
  return chars.join('');
}

// ASCII punctuation and whitespace are separators and stay; everything else, including
// non-ASCII letters, is content and gets masked, so no script leaks through unmasked.
function positionsOfMaskable(chars: string[]): number[] {
  const positions: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (!isAsciiSeparator(chars[i] ?? '')) positions.push(i);
  }
  return positions;
}

function isAsciiSeparator(char: string): boolean {
  if (char.length !== 1) return false;
  const code = char.charCodeAt(0);
  if (code >= 0x80) return false;
  return !(isAsciiDigitCode(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122));
}

function isAsciiDigit(char: string): boolean {
  return char.length === 1 && isAsciiDigitCode(char.charCodeAt(0));
}

function isAsciiDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isLetter(char: string): boolean {
  return /^\p{L}$/u.test(char);
}
