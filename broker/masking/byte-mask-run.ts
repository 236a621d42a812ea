import { ProtocolError } from '../pg/protocol/protocol-error.ts';
import { lengthAt } from '../pg/protocol/frame-reader.ts';
import { RunRewrite, type RunFrameRewriter } from '../pg/protocol/run-writer.ts';
import { byteMaskCut, maskHeadLength, maskLiteral, maskTailStart } from './byte-masks.ts';
import type { RowPlan } from './row-plan.ts';
import { viewOf } from '../text/byte-view.ts';
import { moveDown, putBytes, putInt32 } from './in-place-writes.ts';

type ByteMaskStyle = 'redact' | 'partial' | 'null';

/** The masked columns of a plan whose every active column can be masked from its bytes. */
export interface ByteMaskColumns {
  /** Column numbers, ascending. */
  columns: Int32Array;
  styles: ByteMaskStyle[];
  labels: string[];
  /** Per masked column, the fixed bytes of its mask (see byte-masks.ts). */
  literals: Buffer[];
}

/**
 * The plan's masked columns when every column it touches is a text-format column mask that
 * byte-masks.ts writes (`redact`, `partial`, `null`) — the common "mask these columns" policy —
 * or null when some column needs the general path (detectors, withholding, binary values…).
 */
export function byteMaskColumnsOf(plan: RowPlan): ByteMaskColumns | null {
  const columns: number[] = [];
  const styles: ByteMaskStyle[] = [];
  const labels: string[] = [];
  for (let i = 0; i < plan.actions.length; i++) {
    const action = plan.actions[i]!;
    if (action.kind === 'pass') continue;
    if (action.kind !== 'mask' || plan.fields[i]?.format !== 0) return null;
    if (action.style !== 'redact' && action.style !== 'partial' && action.style !== 'null') return null;
    columns.push(i);
    styles.push(action.style);
    labels.push(action.label);
  }
  return columns.length === 0 ? null : { columns: Int32Array.from(columns), styles, labels, literals: styles.map(maskLiteral) };
}

/** Value starts and lengths of the row in hand, and each masked column's cut; reused for every row. */
let starts = new Int32Array(64);
let lengths = new Int32Array(64);
let cuts = new Int32Array(8);
let maskLengths = new Int32Array(8);
/** Per masked column of the row in hand: how many of the value's first bytes its mask keeps, and where the kept tail starts. */
let heads = new Int32Array(8);
let tails = new Int32Array(8);
/** Per masked column: its label is in the tally already (a Set add per row showed in profiles). */
let seen = new Uint8Array(8);
const NULL_VALUE = -2;
const MASK_TO_NULL = -3;

/** What cutRow found in the row in hand. */
const ROW_KEPT = 0;
const ROW_MASKED = 1;
const ROW_NEEDS_GENERAL = 2;
/** For a masked row: what its masks add to the frame's length word, and the most they add up to before any later mask takes bytes back. */
let rowGrowth = 0;
let rowPeakGrowth = 0;

/**
 * Masks a run of DataRows (frames back to back) for a plan byteMaskColumnsOf accepted, in one
 * pass with nothing decoded: per row the values are located, each masked one is cut where its
 * mask keeps bytes, and the row is written as one move up to each masked value plus the mask.
 * A value the bytes cannot mask (a `partial` value that is not an e-mail) sends that row down
 * `general`, the string path. The label of each masked column that masked a value is added to
 * `maskedColumns`.
 *
 * The run is masked in place while every mask fits in the bytes the masks before it freed (an
 * e-mail's mask is mostly shorter than the e-mail): the result is then `source`'s own memory,
 * a view that starts where `source` starts, and nothing is copied out of the received chunk.
 * From the first row that does not fit (or needs `general`) on, the rest is written into scratch
 * memory (see RunWriter), behind the rows already masked. Either way `source` is overwritten:
 * once this is called, even if it throws, only the bytes it returns may be read. Returns
 * `source` itself, untouched, when nothing changed.
 */
export function maskRunFromBytes(source: Buffer, masks: ByteMaskColumns, general: RunFrameRewriter, maskedColumns: Set<string>): Buffer {
  const columns = masks.columns;
  if (cuts.length < columns.length) {
    cuts = new Int32Array(columns.length);
    maskLengths = new Int32Array(columns.length);
    heads = new Int32Array(columns.length);
    tails = new Int32Array(columns.length);
  }
  if (seen.length < columns.length) seen = new Uint8Array(columns.length);
  else seen.fill(0);
  // Values are located up to the last masked column; the rest are only checked.
  const located = columns[columns.length - 1]! + 1;
  if (starts.length < located) {
    starts = new Int32Array(located);
    lengths = new Int32Array(located);
  }
  const view = viewOf(source);
  // source[0, out) is masked output; source[keptFrom, offset) are kept bytes still to be moved down to `out`.
  let out = 0;
  let keptFrom = 0;
  let offset = 0;
  while (offset < source.length) {
    const frameEnd = offset + 1 + lengthAt(source, offset + 1);
    const verdict = cutRow(source, view, offset + 5, frameEnd, masks, located, maskedColumns);
    if (verdict === ROW_MASKED) {
      if (rowPeakGrowth > keptFrom - out) break;
      out = writeRowInPlace(source, out, keptFrom, offset, frameEnd - offset - 1 + rowGrowth, masks);
      keptFrom = writtenUpTo;
    } else if (verdict === ROW_NEEDS_GENERAL) {
      break;
    }
    offset = frameEnd;
  }
  if (offset < source.length) return maskRestIntoScratch(source, view, masks, general, maskedColumns, located, out, keptFrom, offset);
  if (keptFrom === 0) return source;
  return source.subarray(0, moveDown(source, out, keptFrom, source.length));
}

/**
 * Decides the masks of the DataRow with payload source[payloadStart, end) into the per-column
 * arrays: ROW_KEPT when no masked column holds a value, ROW_MASKED (with rowGrowth and
 * rowPeakGrowth), or ROW_NEEDS_GENERAL when some value cannot be masked from its bytes.
 */
function cutRow(source: Buffer, view: DataView<ArrayBufferLike>, payloadStart: number, end: number, masks: ByteMaskColumns, located: number, maskedColumns: Set<string>): number {
  const columns = masks.columns;
  const styles = masks.styles;
  const count = locateValues(source, view, payloadStart, end, located);
  let verdict = ROW_KEPT;
  let growth = 0;
  let peak = 0;
  for (let k = 0; k < columns.length; k++) {
    const column = columns[k]!;
    if (column >= count || lengths[column]! < 0) {
      cuts[k] = NULL_VALUE;
      continue;
    }
    const style = styles[k]!;
    if (style === 'null') {
      cuts[k] = MASK_TO_NULL;
      growth -= lengths[column]!;
    } else {
      const valueStart = starts[column]!;
      const valueEnd = valueStart + lengths[column]!;
      const cut = byteMaskCut(style, source, valueStart, valueEnd, view);
      if (cut < 0) return ROW_NEEDS_GENERAL;
      cuts[k] = cut;
      heads[k] = maskHeadLength(style, source, valueStart, valueEnd);
      tails[k] = maskTailStart(style, valueEnd, cut);
      maskLengths[k] = heads[k]! + masks.literals[k]!.length + (valueEnd - tails[k]!);
      growth += maskLengths[k]! - lengths[column]!;
      if (growth > peak) peak = growth;
    }
    verdict = ROW_MASKED;
    if (seen[k] === 0) {
      seen[k] = 1;
      maskedColumns.add(masks.labels[k]!);
    }
  }
  rowGrowth = growth;
  rowPeakGrowth = peak;
  return verdict;
}

/** Where the source bytes not yet written start, after writeRowInPlace. */
let writtenUpTo = 0;

/**
 * Writes the row cutRow just masked over its own bytes: the kept bytes before it and its own
 * bytes up to each masked value are moved down to `out` in one move (the row's length word
 * travels with them and is then set), followed by the mask. cutRow's peak growth fitting in
 * the gap between `out` and `keptFrom` is what makes every write land on bytes already read.
 * Returns where the output ends; writtenUpTo is where the row's unwritten rest starts.
 */
function writeRowInPlace(source: Buffer, out: number, keptFrom: number, frameStart: number, lengthWord: number, masks: ByteMaskColumns): number {
  const columns = masks.columns;
  const frameAt = frameStart - (keptFrom - out);
  let o = out;
  let copyFrom = keptFrom;
  for (let k = 0; k < columns.length; k++) {
    const cut = cuts[k]!;
    if (cut === NULL_VALUE) continue;
    const column = columns[k]!;
    const valueStart = starts[column]!;
    o = moveDown(source, o, copyFrom, valueStart - 4);
    if (cut === MASK_TO_NULL) {
      putInt32(source, o, -1);
      o += 4;
      copyFrom = valueStart + lengths[column]!;
    } else {
      putInt32(source, o, maskLengths[k]!);
      o = moveDown(source, o + 4, valueStart, valueStart + heads[k]!);
      o = putBytes(source, o, masks.literals[k]!);
      copyFrom = tails[k]!;
    }
  }
  putInt32(source, frameAt + 1, lengthWord);
  writtenUpTo = copyFrom;
  return o;
}

/**
 * The rows from `offset` on, for when one no longer fits in place: the output so far,
 * source[0, out), and the kept bytes source[keptFrom, offset) go first, then the rest is
 * masked into a RunWriter, which copies the (half rewritten) source into scratch memory once.
 */
function maskRestIntoScratch(
  source: Buffer,
  view: DataView<ArrayBufferLike>,
  masks: ByteMaskColumns,
  general: RunFrameRewriter,
  maskedColumns: Set<string>,
  located: number,
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
    const payloadStart = offset + 5;
    const verdict = cutRow(source, view, payloadStart, frameEnd, masks, located, maskedColumns);
    if (verdict === ROW_NEEDS_GENERAL) {
      run.replaceIfDecided(general, offset, frameEnd);
    } else if (verdict === ROW_MASKED) {
      // The bytes since the last mask (the end of the row before, this row's header and its
      // values up to the first masked one) are one range of the source: one copy.
      const writer = run.writerAt(offset);
      writer.beginFrameOfLength(source, offset, frameEnd - offset - 1 + rowGrowth);
      let copyFrom = payloadStart;
      for (let k = 0; k < columns.length; k++) {
        const cut = cuts[k]!;
        if (cut === NULL_VALUE) continue;
        const column = columns[k]!;
        const valueStart = starts[column]!;
        writer.copy(source, copyFrom, valueStart - 4);
        if (cut === MASK_TO_NULL) {
          writer.int32(-1);
          copyFrom = valueStart + lengths[column]!;
        } else {
          writer.int32ThenBytes(maskLengths[k]!, source, valueStart, heads[k]!, masks.literals[k]!);
          copyFrom = tails[k]!;
        }
      }
      run.keepFrom(copyFrom);
    }
    offset = frameEnd;
  }
  return run.finish();
}

/**
 * Fills `starts`/`lengths` for the first `located` values of the DataRow payload
 * source[start, end), and checks that the lengths of all of them add up; returns its column count.
 */
function locateValues(source: Buffer, view: DataView<ArrayBufferLike>, start: number, end: number, located: number): number {
  if (end - start < 2) throw new ProtocolError('DataRow: too short for its column count');
  const count = (source[start]! << 8) | source[start + 1]!;
  if (count & 0x8000) throw new ProtocolError('DataRow: negative column count');
  let pos = start + 2;
  let i = 0;
  for (const stored = Math.min(count, located); i < stored; i++) {
    if (pos + 4 > end) throw new ProtocolError('DataRow: value lengths do not match the message size');
    const length = view.getInt32(pos);
    starts[i] = pos + 4;
    lengths[i] = length;
    pos += 4 + (length > 0 ? length : 0);
  }
  for (; i < count; i++) {
    if (pos + 4 > end) throw new ProtocolError('DataRow: value lengths do not match the message size');
    const length = view.getInt32(pos);
    pos += 4 + (length > 0 ? length : 0);
  }
  if (pos !== end) throw new ProtocolError('DataRow: value lengths do not match the message size');
  return count;
}
