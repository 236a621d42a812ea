import { ProtocolError } from '../pg/protocol/protocol-error.ts';
import { lengthAt } from '../pg/protocol/frame-reader.ts';
import { RunRewrite, type RunFrameRewriter } from '../pg/protocol/run-writer.ts';
import { byteMaskCut, maskHeadLength, maskLiteral, maskTailStart } from './byte-masks.ts';
import type { RowPlan } from './row-plan.ts';
import { viewOf } from '../text/byte-view.ts';

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

/**
 * Masks a run of DataRows (frames back to back) for a plan byteMaskColumnsOf accepted, in one
 * pass with nothing decoded: per row the values are located, each masked one is cut where its
 * mask keeps bytes, and the row is written as one copy up to each masked value plus the mask.
 * A value the bytes cannot mask (a `partial` value that is not an e-mail) sends that row down
 * `general`, the string path. The label of each masked column that masked a value is added to
 * `maskedColumns`. Returns `source` itself when nothing changed.
 */
export function maskRunFromBytes(source: Buffer, masks: ByteMaskColumns, general: RunFrameRewriter, maskedColumns: Set<string>): Buffer {
  const columns = masks.columns;
  const styles = masks.styles;
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
  const run = new RunRewrite(source);
  let offset = 0;
  while (offset < source.length) {
    const frameEnd = offset + 1 + lengthAt(source, offset + 1);
    const payloadStart = offset + 5;
    const count = locateValues(source, view, payloadStart, frameEnd, located);
    let changed = false;
    let needsGeneral = false;
    // What the masks add to the frame's length word, so it is written right the first time.
    let growth = 0;
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
        if (cut < 0) {
          needsGeneral = true;
          break;
        }
        cuts[k] = cut;
        heads[k] = maskHeadLength(style, source, valueStart, valueEnd);
        tails[k] = maskTailStart(style, valueEnd, cut);
        maskLengths[k] = heads[k]! + masks.literals[k]!.length + (valueEnd - tails[k]!);
        growth += maskLengths[k]! - lengths[column]!;
      }
      changed = true;
      if (seen[k] === 0) {
        seen[k] = 1;
        maskedColumns.add(masks.labels[k]!);
      }
    }
    if (needsGeneral) {
      run.replaceIfDecided(general, offset, frameEnd);
    } else if (changed) {
      // The bytes since the last mask (the end of the row before, this row's header and its
      // values up to the first masked one) are one range of the source: one copy.
      const writer = run.writerAt(offset);
      writer.beginFrameOfLength(source, offset, frameEnd - offset - 1 + growth);
      let copyFrom = payloadStart;
      for (let k = 0; k < columns.length; k++) {
        const cut = cuts[k]!;
        if (cut === NULL_VALUE) continue;
        const column = columns[k]!;
        const valueStart = starts[column]!;
        const valueEnd = valueStart + lengths[column]!;
        writer.copy(source, copyFrom, valueStart - 4);
        if (cut === MASK_TO_NULL) {
          writer.int32(-1);
          copyFrom = valueEnd;
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
