import { lengthAt } from '../pg/protocol/frame-reader.ts';
import { RunRewrite, type RunFrameRewriter } from '../pg/protocol/run-writer.ts';
import { viewOf } from '../text/byte-view.ts';
import { moveDown, putBytes, putInt32 } from './in-place-writes.ts';
import { byteMaskCut, maskHeadLength, maskLiteral, maskTailStart } from './byte-masks.ts';
import type { CopyFormat } from './copy-masker.ts';
import type { RowPlan } from './row-plan.ts';

type ByteMaskStyle = 'redact' | 'partial' | 'null';

/** How a COPY plan whose masked columns can all be written from their bytes splits and masks a line. */
export interface CopyByteMasks {
  /** Column numbers, ascending. */
  columns: Int32Array;
  styles: ByteMaskStyle[];
  labels: string[];
  /** Columns a line must split into; any other count goes the general way (and is withheld there). */
  columnCount: number;
  delimiter: number;
  /** Text format: a backslash (the field holds an escape and must be decoded). CSV: the quote (the record must be parsed). */
  special: number;
  csv: boolean;
  nullBytes: Buffer;
}

/**
 * The plan's masked columns when every column it touches is a column mask byte-masks.ts writes
 * (`redact`, `partial`, `null`) and the delimiter is one byte, or null when the plan needs the
 * general path (detectors, expressions, withholding).
 */
export function copyByteMasksOf(plan: RowPlan, format: CopyFormat): CopyByteMasks | null {
  const delimiter = Buffer.from(format.delimiter, 'utf8');
  const quote = Buffer.from(format.quote, 'utf8');
  if (delimiter.length !== 1 || quote.length !== 1) return null;
  const columns: number[] = [];
  const styles: ByteMaskStyle[] = [];
  const labels: string[] = [];
  for (let i = 0; i < plan.actions.length; i++) {
    const action = plan.actions[i]!;
    if (action.kind === 'pass') continue;
    if (action.kind !== 'mask' || (action.style !== 'redact' && action.style !== 'partial' && action.style !== 'null')) return null;
    columns.push(i);
    styles.push(action.style);
    labels.push(action.label);
  }
  if (columns.length === 0) return null;
  return {
    columns: Int32Array.from(columns),
    styles,
    labels,
    columnCount: plan.actions.length,
    delimiter: delimiter[0]!,
    special: format.format === 'text' ? BACKSLASH : quote[0]!,
    csv: format.format === 'csv',
    nullBytes: Buffer.from(format.nullString, 'utf8'),
  };
}

const BACKSLASH = 0x5c;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const ONE_IN_EVERY_BYTE = 0x01010101;
const HIGH_BIT_OF_EVERY_BYTE = 0x80808080 | 0;
const LOW_BITS_OF_EVERY_BYTE = 0x7f7f7f7f;

/** Where each field of the line in hand starts and ends, and whether it holds the special byte; reused for every line. */
let fieldStarts = new Int32Array(64);
let fieldEnds = new Int32Array(64);
let fieldSpecial = new Uint8Array(64);
let cuts = new Int32Array(8);
/** Per masked column of the line in hand: how many of the value's first bytes its mask keeps, and where the kept tail starts. */
let heads = new Int32Array(8);
let tails = new Int32Array(8);
/** Per masked column: its label is in the tally already. */
let seen = new Uint8Array(8);
const LINE_NEEDS_PARSER = -1;
const KEEP_NULL = -2;
const MASK_TO_NULL = -3;

/** The split of the line in hand so far (see splitLine). */
let fields = 0;
let fieldStart = 0;
let sawSpecial = 0;

/** Visits source[from, to) byte by byte for splitLine; false when a CSV record holds a quote. */
function visitBytes(source: Buffer, from: number, to: number, masks: CopyByteMasks): boolean {
  const delimiter = masks.delimiter;
  for (let i = from; i < to; i++) {
    const byte = source[i]!;
    if (byte === delimiter) {
      if (fields < masks.columnCount) {
        fieldStarts[fields] = fieldStart;
        fieldEnds[fields] = i;
        fieldSpecial[fields] = sawSpecial;
      }
      fields++;
      fieldStart = i + 1;
      sawSpecial = 0;
    } else if (byte === masks.special) {
      if (masks.csv) return false;
      sawSpecial = 1;
    }
  }
  return true;
}

/** How many bytes of the word are zero: the high bit of each zero byte is set, then the bits are added up. */
function zeroBytes(x: number): number {
  const zeroHighBits = ~(((x & LOW_BITS_OF_EVERY_BYTE) + LOW_BITS_OF_EVERY_BYTE) | x | LOW_BITS_OF_EVERY_BYTE);
  return Math.imul((zeroHighBits >>> 7) & ONE_IN_EVERY_BYTE, ONE_IN_EVERY_BYTE) >>> 24;
}

/**
 * Splits the line source[start, end) (its newline excluded) on delimiter bytes into the field
 * arrays, four bytes at a time: a word holding neither the delimiter nor the special byte is
 * passed at once. Past the last masked field a text line's delimiters are only counted, with
 * no branch per word. Returns how many fields the line has, or LINE_NEEDS_PARSER for a CSV
 * record with a quote in it.
 */
function splitLine(source: Buffer, start: number, end: number, masks: CopyByteMasks): number {
  const view = viewOf(source);
  const delimiters = Math.imul(masks.delimiter, ONE_IN_EVERY_BYTE);
  const specials = Math.imul(masks.special, ONE_IN_EVERY_BYTE);
  // Fields are located up to the last masked one; a CSV record is searched for quotes to its end.
  const locateFields = masks.csv ? masks.columnCount : masks.columns[masks.columns.length - 1]! + 1;
  fields = 0;
  fieldStart = start;
  sawSpecial = 0;
  let i = start;
  for (; i + 4 <= end && fields < locateFields; i += 4) {
    const word = view.getInt32(i, true);
    const d = word ^ delimiters;
    const s = word ^ specials;
    // Non-zero when some byte of the word is the delimiter or the special byte.
    if (((((d - ONE_IN_EVERY_BYTE) & ~d) | ((s - ONE_IN_EVERY_BYTE) & ~s)) & HIGH_BIT_OF_EVERY_BYTE) === 0) continue;
    if (!visitBytes(source, i, i + 4, masks)) return LINE_NEEDS_PARSER;
  }
  if (fields >= locateFields) {
    let more = 0;
    for (; i + 4 <= end; i += 4) more += zeroBytes(view.getInt32(i, true) ^ delimiters);
    for (; i < end; i++) if (source[i] === masks.delimiter) more++;
    return fields + more + 1;
  }
  if (!visitBytes(source, i, end, masks)) return LINE_NEEDS_PARSER;
  if (fields < masks.columnCount) {
    fieldStarts[fields] = fieldStart;
    fieldEnds[fields] = end;
    fieldSpecial[fields] = sawSpecial;
  }
  return fields + 1;
}

function isNull(source: Buffer, start: number, end: number, nullBytes: Buffer): boolean {
  if (end - start !== nullBytes.length) return false;
  for (let i = 0; i < nullBytes.length; i++) if (source[start + i] !== nullBytes[i]) return false;
  return true;
}

/** What cutLine found in the line in hand. */
const LINE_KEPT = 0;
const LINE_MASKED = 1;
const LINE_NEEDS_GENERAL = 2;
/** For a masked line: what its masks add to the frame's length word, and the most they add up to before a later mask takes bytes back. */
let lineGrowth = 0;
let linePeakGrowth = 0;

/**
 * Masks a run of CopyData lines (frames back to back) for a plan copyByteMasksOf accepted, in
 * one pass with nothing decoded, as byte-mask-run.ts does for DataRows: per line the fields are
 * split, each masked one is cut where its mask keeps bytes, and the line costs one move up to
 * each masked field plus the mask. A line the bytes cannot mask (an escaped or quoted value, a
 * `partial` value that is not an e-mail, a line that does not split into the planned columns)
 * goes down `general`, the string path. `header()` says whether this line is the CSV header,
 * which passes. The label of each masked column that masked a value is added to
 * `maskedColumns`.
 *
 * As for DataRows, the run is masked over its own bytes while the masks fit, and the rest goes
 * into scratch memory from the first line that does not: `source` is overwritten, and once
 * this is called (even if it throws) only the bytes it returns may be read. Returns `source`
 * itself, untouched, when nothing changed.
 */
export function maskCopyRunFromBytes(source: Buffer, masks: CopyByteMasks, general: RunFrameRewriter, header: () => boolean, maskedColumns: Set<string>): Buffer {
  const columns = masks.columns;
  if (fieldStarts.length < masks.columnCount) {
    fieldStarts = new Int32Array(masks.columnCount);
    fieldEnds = new Int32Array(masks.columnCount);
    fieldSpecial = new Uint8Array(masks.columnCount);
  }
  if (cuts.length < columns.length) {
    cuts = new Int32Array(columns.length);
    heads = new Int32Array(columns.length);
    tails = new Int32Array(columns.length);
  }
  if (seen.length < columns.length) seen = new Uint8Array(columns.length);
  else seen.fill(0);
  // source[0, out) is masked output; source[keptFrom, offset) are kept bytes still to be moved down to `out`.
  let out = 0;
  let keptFrom = 0;
  let offset = 0;
  while (offset < source.length) {
    const frameEnd = offset + 1 + lengthAt(source, offset + 1);
    if (header()) {
      offset = frameEnd;
      continue;
    }
    const verdict = cutLine(source, offset + 5, frameEnd, masks);
    if (verdict === LINE_MASKED) {
      if (linePeakGrowth > keptFrom - out) break;
      out = writeLineInPlace(source, out, keptFrom, offset, frameEnd - offset - 1 + lineGrowth, masks, maskedColumns);
      keptFrom = writtenUpTo;
    } else if (verdict === LINE_NEEDS_GENERAL) {
      break;
    }
    offset = frameEnd;
  }
  if (offset < source.length) return maskRestIntoScratch(source, masks, general, header, maskedColumns, out, keptFrom, offset);
  if (keptFrom === 0) return source;
  return source.subarray(0, moveDown(source, out, keptFrom, source.length));
}

/**
 * Splits the CopyData line with payload source[lineStart, frameEnd) and decides the masks of
 * its masked fields into the per-column arrays: LINE_KEPT when every masked field is NULL,
 * LINE_MASKED (with lineGrowth and linePeakGrowth), or LINE_NEEDS_GENERAL.
 */
function cutLine(source: Buffer, lineStart: number, frameEnd: number, masks: CopyByteMasks): number {
  const columns = masks.columns;
  const styles = masks.styles;
  const nullBytes = masks.nullBytes;
  let lineEnd = frameEnd;
  if (lineEnd > lineStart && source[lineEnd - 1] === NEWLINE) {
    lineEnd--;
    if (lineEnd > lineStart && source[lineEnd - 1] === RETURN) lineEnd--;
  }
  if (splitLine(source, lineStart, lineEnd, masks) !== masks.columnCount) return LINE_NEEDS_GENERAL;
  let verdict = LINE_KEPT;
  let growth = 0;
  let peak = 0;
  for (let k = 0; k < columns.length; k++) {
    const column = columns[k]!;
    const start = fieldStarts[column]!;
    const end = fieldEnds[column]!;
    if (isNull(source, start, end, nullBytes)) {
      cuts[k] = KEEP_NULL;
      continue;
    }
    const style = styles[k]!;
    if (style === 'null') {
      cuts[k] = MASK_TO_NULL;
      growth += nullBytes.length - (end - start);
    } else {
      // An escaped text value must be decoded first; a CSV value with an edge space would need quoting once masked.
      const cut = fieldSpecial[column] === 1 || (masks.csv && (source[start] === SPACE || source[end - 1] === SPACE)) ? -1 : byteMaskCut(style, source, start, end);
      if (cut < 0) return LINE_NEEDS_GENERAL;
      cuts[k] = cut;
      heads[k] = maskHeadLength(style, source, start, end);
      tails[k] = maskTailStart(style, end, cut);
      growth += heads[k]! + maskLiteral(style).length + (end - tails[k]!) - (end - start);
    }
    if (growth > peak) peak = growth;
    verdict = LINE_MASKED;
  }
  lineGrowth = growth;
  linePeakGrowth = peak;
  return verdict;
}

/** Notes that masked column k masked a value in this run. */
function noteMasked(k: number, masks: CopyByteMasks, maskedColumns: Set<string>): void {
  if (seen[k] === 1) return;
  seen[k] = 1;
  maskedColumns.add(masks.labels[k]!);
}

/** Where the source bytes not yet written start, after writeLineInPlace. */
let writtenUpTo = 0;

/**
 * Writes the line cutLine just masked over its own bytes: the kept bytes before it and its own
 * bytes up to each masked field are moved down to `out` in one move (its length word travels
 * with them and is then set), followed by the mask. Returns where the output ends;
 * writtenUpTo is where the line's unwritten rest starts.
 */
function writeLineInPlace(source: Buffer, out: number, keptFrom: number, frameStart: number, lengthWord: number, masks: CopyByteMasks, maskedColumns: Set<string>): number {
  const columns = masks.columns;
  const frameAt = frameStart - (keptFrom - out);
  let o = out;
  let copyFrom = keptFrom;
  for (let k = 0; k < columns.length; k++) {
    const cut = cuts[k]!;
    if (cut === KEEP_NULL) continue;
    const column = columns[k]!;
    const start = fieldStarts[column]!;
    o = moveDown(source, o, copyFrom, start);
    noteMasked(k, masks, maskedColumns);
    if (cut === MASK_TO_NULL) {
      o = putBytes(source, o, masks.nullBytes);
      copyFrom = fieldEnds[column]!;
    } else {
      o = moveDown(source, o, start, start + heads[k]!);
      o = putBytes(source, o, maskLiteral(masks.styles[k]!));
      copyFrom = tails[k]!;
    }
  }
  putInt32(source, frameAt + 1, lengthWord);
  writtenUpTo = copyFrom;
  return o;
}

/**
 * The lines from `start` on, for when one no longer fits in place: the output so far,
 * source[0, out), and the kept bytes source[keptFrom, start) go first, then the rest is masked
 * into a RunWriter, which copies the (half rewritten) source into scratch memory once.
 */
function maskRestIntoScratch(
  source: Buffer,
  masks: CopyByteMasks,
  general: RunFrameRewriter,
  header: () => boolean,
  maskedColumns: Set<string>,
  out: number,
  keptFrom: number,
  start: number,
): Buffer {
  const columns = masks.columns;
  const run = new RunRewrite(source);
  if (keptFrom > 0) {
    run.writerAt(out);
    run.keepFrom(keptFrom);
  }
  let offset = start;
  while (offset < source.length) {
    const frameEnd = offset + 1 + lengthAt(source, offset + 1);
    const lineStart = offset + 5;
    // The line in hand at `start` has been asked already; asking again is harmless (only the header line says yes).
    if (header()) {
      offset = frameEnd;
      continue;
    }
    const verdict = cutLine(source, lineStart, frameEnd, masks);
    if (verdict === LINE_NEEDS_GENERAL) {
      run.replaceIfDecided(general, offset, frameEnd);
    } else if (verdict === LINE_MASKED) {
      // As for DataRows: the bytes since the last mask are one range of the source, one copy.
      const writer = run.writerAt(offset);
      writer.beginFrameOfLength(source, offset, frameEnd - offset - 1 + lineGrowth);
      let copyFrom = lineStart;
      for (let k = 0; k < columns.length; k++) {
        const cut = cuts[k]!;
        if (cut === KEEP_NULL) continue;
        const column = columns[k]!;
        const fieldStart = fieldStarts[column]!;
        writer.copy(source, copyFrom, fieldStart);
        noteMasked(k, masks, maskedColumns);
        if (cut === MASK_TO_NULL) {
          writer.copySmall(masks.nullBytes, 0, masks.nullBytes.length);
          copyFrom = fieldEnds[column]!;
        } else {
          const literal = maskLiteral(masks.styles[k]!);
          writer.copySmall(source, fieldStart, fieldStart + heads[k]!);
          writer.copySmall(literal, 0, literal.length);
          copyFrom = tails[k]!;
        }
      }
      run.keepFrom(copyFrom);
    }
    offset = frameEnd;
  }
  return run.finish();
}
