import { ProtocolError } from '../pg/protocol/protocol-error.ts';
import { lengthAt } from '../pg/protocol/frame-reader.ts';
import { RunWriter, type RunFrameRewriter } from '../pg/protocol/run-writer.ts';
import { byteMaskCut, maskByteLength, writeMaskBytes } from './byte-masks.ts';
import type { RowPlan } from './row-plan.ts';

type ByteMaskStyle = 'redact' | 'partial' | 'null';

/** The masked columns of a plan whose every active column can be masked from its bytes. */
export interface ByteMaskColumns {
  /** Column numbers, ascending. */
  columns: Int32Array;
  styles: ByteMaskStyle[];
  labels: string[];
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
  return columns.length === 0 ? null : { columns: Int32Array.from(columns), styles, labels };
}

/** Value starts and lengths of the row in hand, and each masked column's cut; reused for every row. */
let starts = new Int32Array(64);
let lengths = new Int32Array(64);
let cuts = new Int32Array(8);
const NULL_VALUE = -2;
const MASK_TO_NULL = -3;

/**
 * Masks a run of DataRows (frames back to back) for a plan byteMaskColumnsOf accepted, in one
 * pass with nothing decoded: per row the values are located, each masked one is cut where its
 * mask keeps bytes, and the row is written as one copy up to each masked value plus the mask.
 * A value the bytes cannot mask (a `partial` value that is not an e-mail) sends that row down
 * `general`, the string path. `noted(k)` is told, once per masked column k, that it masked a
 * value. Returns `source` itself when nothing changed.
 */
export function maskRunFromBytes(source: Buffer, masks: ByteMaskColumns, general: RunFrameRewriter, noted: (k: number) => void): Buffer {
  const columns = masks.columns;
  const styles = masks.styles;
  if (cuts.length < columns.length) cuts = new Int32Array(columns.length);
  const seen = new Uint8Array(columns.length);
  let writer: RunWriter | null = null;
  let keptFrom = 0;
  let offset = 0;
  while (offset < source.length) {
    const frameEnd = offset + 1 + lengthAt(source, offset + 1);
    const payloadStart = offset + 5;
    const count = locateValues(source, payloadStart, frameEnd);
    let changed = false;
    let needsGeneral = false;
    for (let k = 0; k < columns.length; k++) {
      const column = columns[k]!;
      if (column >= count || lengths[column]! < 0) {
        cuts[k] = NULL_VALUE;
        continue;
      }
      const style = styles[k]!;
      if (style === 'null') {
        cuts[k] = MASK_TO_NULL;
      } else {
        const cut = byteMaskCut(style, source, starts[column]!, starts[column]! + lengths[column]!);
        if (cut < 0) {
          needsGeneral = true;
          break;
        }
        cuts[k] = cut;
      }
      changed = true;
      if (seen[k] === 0) {
        seen[k] = 1;
        noted(k);
      }
    }
    if (needsGeneral) {
      if (general.decide(source, payloadStart, frameEnd)) {
        writer ??= new RunWriter(source.length + 256, source);
        writer.copy(source, keptFrom, offset);
        general.write(writer, source, payloadStart, frameEnd);
        keptFrom = frameEnd;
      }
    } else if (changed) {
      writer ??= new RunWriter(source.length + 256, source);
      writer.copy(source, keptFrom, offset);
      writer.beginCopiedFrame(source, offset);
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
        } else {
          const style = styles[k]!;
          writer.int32(maskByteLength(style, source, valueStart, valueEnd, cut));
          writeMaskBytes(style, source, valueStart, valueEnd, cut, writer);
        }
        copyFrom = valueEnd;
      }
      writer.copy(source, copyFrom, frameEnd);
      writer.endFrame();
      keptFrom = frameEnd;
    }
    offset = frameEnd;
  }
  if (writer === null) return source;
  writer.copy(source, keptFrom, source.length);
  return writer.finish();
}

/** Fills `starts`/`lengths` for the DataRow payload source[start, end); returns its column count. */
function locateValues(source: Buffer, start: number, end: number): number {
  if (end - start < 2) throw new ProtocolError('DataRow: too short for its column count');
  const count = (source[start]! << 8) | source[start + 1]!;
  if (count & 0x8000) throw new ProtocolError('DataRow: negative column count');
  if (starts.length < count) {
    starts = new Int32Array(count);
    lengths = new Int32Array(count);
  }
  let pos = start + 2;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > end) throw new ProtocolError('DataRow: value lengths do not match the message size');
    // By hand: readInt32BE's argument checks showed up per value in profiles.
    const length = (source[pos]! << 24) | (source[pos + 1]! << 16) | (source[pos + 2]! << 8) | source[pos + 3]!;
    starts[i] = pos + 4;
    lengths[i] = length;
    pos += 4 + (length > 0 ? length : 0);
  }
  if (pos !== end) throw new ProtocolError('DataRow: value lengths do not match the message size');
  return count;
}
