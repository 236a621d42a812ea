/**
 * SASLprep (RFC 4013) for SCRAM passwords, following PostgreSQL's `pg_saslprep` policy:
 * a password that SASLprep rejects is not an error, it is used as its raw UTF-8 bytes.
 * Both the server (when it builds the verifier) and libpq (when it answers) do this, so the
 * only thing that matters for interoperability is that we pick the same bytes they do.
 *
 * Where this differs from PostgreSQL (all on exotic passwords only; ASCII is identical):
 * - Unicode version. PostgreSQL prohibits code points unassigned in Unicode 3.2 (RFC 3454
 *   table A.1) and so falls back to raw bytes for any character assigned later. We mirror
 *   that exactly outside the BMP (emoji etc.), but inside the BMP we only have the engine's
 *   much newer tables, so a BMP character added after 3.2 (say U+20B9 RUPEE SIGN) does not
 *   trigger the fallback here. The bytes differ only if NFKC or the mapping also changes
 *   something else in that password.
 * - NFKC comes from `String.prototype.normalize`, i.e. the engine's Unicode version, while
 *   PostgreSQL uses its own compiled-in tables.
 * - The bidi rule's "LCat" (RFC 3454 table D.2, hundreds of ranges) is approximated as
 *   "a letter or spacing mark outside the right-to-left scripts".
 * - JavaScript strings cannot hold invalid UTF-8; a lone surrogate (prohibited, table C.5)
 *   falls back to `Buffer.from(s, 'utf8')`, which encodes it as U+FFFD.
 */

/** RFC 3454 C.1.2: mapped to SPACE by RFC 4013 §2.1 (PostgreSQL's table includes U+200B). */
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;

/** RFC 3454 B.1: "commonly mapped to nothing". These are joiners and variation selectors, on purpose. */
// eslint-disable-next-line no-misleading-character-class
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;

type CodePointRange = readonly [number, number];

/** RFC 3454 tables C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9 (RFC 4013 §2.3). */
const PROHIBITED: readonly CodePointRange[] = [
  // C.2.1 ASCII control
  [0x0000, 0x001f], [0x007f, 0x007f],
  // C.2.2 non-ASCII control
  [0x0080, 0x009f], [0x06dd, 0x06dd], [0x070f, 0x070f], [0x180e, 0x180e], [0x200c, 0x200d],
  [0x2028, 0x2029], [0x2060, 0x2063], [0x206a, 0x206f], [0xfeff, 0xfeff], [0xfff9, 0xfffc],
  [0x1d173, 0x1d17a],
  // C.1.2 non-ASCII space (already mapped to SPACE, listed for completeness)
  [0x00a0, 0x00a0], [0x1680, 0x1680], [0x2000, 0x200b], [0x202f, 0x202f], [0x205f, 0x205f],
  [0x3000, 0x3000],
  // C.3 private use
  [0xe000, 0xf8ff], [0xf0000, 0xffffd], [0x100000, 0x10fffd],
  // C.4 non-character code points (the plane-final pairs are checked separately)
  [0xfdd0, 0xfdef],
  // C.5 surrogates
  [0xd800, 0xdfff],
  // C.6 inappropriate for plain text
  [0xfff9, 0xfffd],
  // C.7 inappropriate for canonical representation
  [0x2ff0, 0x2ffb],
  // C.8 change display properties or deprecated
  [0x0340, 0x0341], [0x200e, 0x200f], [0x202a, 0x202e], [0x206a, 0x206f],
  // C.9 tagging
  [0xe0001, 0xe0001], [0xe0020, 0xe007f],
];

/** RFC 3454 D.1: characters with bidirectional property R or AL. */
const RAND_AL_CAT: readonly CodePointRange[] = [
  [0x05be, 0x05be], [0x05c0, 0x05c0], [0x05c3, 0x05c3], [0x05d0, 0x05ea], [0x05f0, 0x05f4],
  [0x061b, 0x061b], [0x061f, 0x061f], [0x0621, 0x063a], [0x0640, 0x064a], [0x066d, 0x066f],
  [0x0671, 0x06d5], [0x06dd, 0x06dd], [0x06e5, 0x06e6], [0x06fa, 0x06fe], [0x0700, 0x070d],
  [0x0710, 0x0710], [0x0712, 0x072c], [0x0780, 0x07a5], [0x07b1, 0x07b1], [0x200f, 0x200f],
  [0xfb1d, 0xfb1d], [0xfb1f, 0xfb28], [0xfb2a, 0xfb36], [0xfb38, 0xfb3c], [0xfb3e, 0xfb3e],
  [0xfb40, 0xfb41], [0xfb43, 0xfb44], [0xfb46, 0xfbb1], [0xfbd3, 0xfd3d], [0xfd50, 0xfd8f],
  [0xfd92, 0xfdc7], [0xfdf0, 0xfdfc], [0xfe70, 0xfe74], [0xfe76, 0xfefc],
];

/**
 * The supplementary-plane blocks Unicode 3.2 had assigned (less the code points in them added
 * later). Any other supplementary character, emoji included, is unassigned for PostgreSQL.
 */
const UNICODE_3_2_SUPPLEMENTARY: readonly CodePointRange[] = [
  [0x10300, 0x1031e], [0x10320, 0x10323], [0x10330, 0x1034a], [0x10400, 0x10425], [0x10428, 0x1044d],
  [0x1d000, 0x1d0f5], [0x1d100, 0x1d126], [0x1d12a, 0x1d1dd], [0x1d400, 0x1d6a3], [0x1d6a8, 0x1d7c9],
  [0x1d7ce, 0x1d7ff], [0x20000, 0x2a6d6], [0x2f800, 0x2fa1d], [0xe0001, 0xe0001], [0xe0020, 0xe007f],
];

const UNASSIGNED = /^\p{Cn}$/u;

function isUnassigned(char: string, codePoint: number): boolean {
  if (codePoint > 0xffff && !inRanges(codePoint, UNICODE_3_2_SUPPLEMENTARY)) return true;
  return UNASSIGNED.test(char);
}
const LEFT_TO_RIGHT_CANDIDATE = /^[\p{L}\p{Mc}]$/u;
const RIGHT_TO_LEFT_SCRIPT =
  /^[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}]$/u;

function inRanges(codePoint: number, ranges: readonly CodePointRange[]): boolean {
  return ranges.some(([low, high]) => codePoint >= low && codePoint <= high);
}

function isProhibited(codePoint: number): boolean {
  const isPlaneFinalNonCharacter = (codePoint & 0xfffe) === 0xfffe;
  return isPlaneFinalNonCharacter || inRanges(codePoint, PROHIBITED);
}

function isRandALCat(codePoint: number): boolean {
  return inRanges(codePoint, RAND_AL_CAT);
}

function isLCat(char: string, codePoint: number): boolean {
  return LEFT_TO_RIGHT_CANDIDATE.test(char) && !isRandALCat(codePoint) && !RIGHT_TO_LEFT_SCRIPT.test(char);
}

/** RFC 3454 §6: a string with any RandALCat character has no LCat and starts and ends with RandALCat. */
function satisfiesBidiRule(chars: readonly string[], codePoints: readonly number[]): boolean {
  if (!codePoints.some(isRandALCat)) return true;
  if (chars.some((char, i) => isLCat(char, codePoints[i] ?? 0))) return false;
  return isRandALCat(codePoints[0] ?? 0) && isRandALCat(codePoints[codePoints.length - 1] ?? 0);
}

/** The SASLprep'd form of `input`, or null if SASLprep prohibits it (callers then use the raw bytes). */
export function saslPrep(input: string): string | null {
  // Unassigned code points are judged on the input: NFKC could otherwise turn a character
  // PostgreSQL has never heard of into one it knows (U+1D6A4 MATHEMATICAL ITALIC SMALL DOTLESS I).
  if (Array.from(input).some((char) => isUnassigned(char, char.codePointAt(0) ?? 0))) return null;
  const mapped = input.replace(NON_ASCII_SPACE, ' ').replace(MAPPED_TO_NOTHING, '');
  const normalized = mapped.normalize('NFKC');
  // PostgreSQL treats "nothing left" as prohibited rather than authenticating with an empty key.
  if (normalized.length === 0) return null;
  const chars = Array.from(normalized);
  const codePoints = chars.map((char) => char.codePointAt(0) ?? 0);
  if (codePoints.some(isProhibited)) return null;
  if (!satisfiesBidiRule(chars, codePoints)) return null;
  return normalized;
}

// eslint-disable-next-line no-control-regex
const PURE_ASCII = /^[\x00-\x7f]*$/;

/** The bytes PostgreSQL feeds into PBKDF2 for this password. */
export function scramPasswordBytes(password: string): Buffer {
  // PostgreSQL short-circuits pure ASCII: even control characters are used as they are.
  if (PURE_ASCII.test(password)) return Buffer.from(password, 'utf8');
  return Buffer.from(saslPrep(password) ?? password, 'utf8');
}
