import { applyMaskStyle, type MaskStyle } from '../../shared/masking/mask-style.ts';
import type { TextMasker } from '../../shared/masking/mask-text.ts';
import type { ColumnAction, RowPlan } from './row-plan.ts';
import { byteMaskCut, writeMaskBytes } from './byte-masks.ts';
import type { MaskingTally } from './result-masker.ts';
import { RunWriter, rewriteRunFrames, type RunFrameRewriter } from '../pg/protocol/run-writer.ts';
import { copyByteMasksOf, maskCopyRunFromBytes, type CopyByteMasks } from './copy-mask-run.ts';

export interface CopyFormat {
  format: 'text' | 'csv';
  delimiter: string;
  nullString: string;
  quote: string;
  escape: string;
  header: boolean;
}

export function defaultCopyFormat(format: 'text' | 'csv'): CopyFormat {
  return format === 'text'
    ? { format, delimiter: '\t', nullString: '\\N', quote: '"', escape: '"', header: false }
    : { format, delimiter: ',', nullString: '', quote: '"', escape: '"', header: false };
}

/**
 * Splits one text-format COPY line into decoded field values (null for the null string). A
 * backslash escapes the character after it: COPY writes a delimiter inside a value as a
 * backslash and the delimiter, which does not end the field.
 */
function splitText(line: string, f: CopyFormat): (string | null)[] {
  const raw: string[] = [];
  let fieldStart = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line.startsWith(f.delimiter, i)) {
      raw.push(line.slice(fieldStart, i));
      fieldStart = i + f.delimiter.length;
      i = fieldStart - 1;
    }
  }
  raw.push(line.slice(fieldStart));
  return raw.map((field) => (field === f.nullString ? null : decodeTextEscapes(field)));
}

/** Decodes text-format COPY escapes (octal, hex and the C-like letters). */
function decodeTextEscapes(field: string): string {
    return field.replace(/\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))/g, (_m, oct: string | undefined, hex: string | undefined, ch: string | undefined) => {
      if (oct !== undefined) return String.fromCharCode(parseInt(oct, 8));
      if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16));
      switch (ch) {
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case 'v': return '\v';
        default: return ch ?? '';
      }
    });
}

function joinText(values: (string | null)[], f: CopyFormat): string {
  return values
    .map((v) => (v === null ? f.nullString : v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').split(f.delimiter).join(`\\${f.delimiter}`)))
    .join(f.delimiter);
}

/** Splits one CSV record (PostgreSQL sends one record per CopyData message). */
function splitCsv(line: string, f: CopyFormat): (string | null)[] {
  const out: (string | null)[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    let quoted = false;
    if (line.startsWith(f.quote, i)) {
      quoted = true;
      i += f.quote.length;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated CSV quote');
        if (f.escape !== f.quote && line.startsWith(f.escape, i) && (line.startsWith(f.quote, i + f.escape.length) || line.startsWith(f.escape, i + f.escape.length))) {
          // Inside quotes PostgreSQL escapes both the quote and the escape character itself.
          const escaped = line.startsWith(f.quote, i + f.escape.length) ? f.quote : f.escape;
          value += escaped;
          i += f.escape.length + escaped.length;
        } else if (line.startsWith(f.quote, i)) {
          if (f.escape === f.quote && line.startsWith(f.quote, i + f.quote.length)) {
            value += f.quote;
            i += 2 * f.quote.length;
          } else {
            i += f.quote.length;
            break;
          }
        } else {
          value += line[i];
          i++;
        }
      }
    }
    const next = line.indexOf(f.delimiter, i);
    const end = next < 0 ? line.length : next;
    if (!quoted) value = line.slice(i, end);
    out.push(!quoted && value === f.nullString ? null : value);
    if (next < 0) break;
    i = next + f.delimiter.length;
  }
  return out;
}

function joinCsv(values: (string | null)[], f: CopyFormat): string {
  return values
    .map((v) => {
      if (v === null) return f.nullString;
      // Quote only where CSV needs it, as PostgreSQL does, so unmasked-looking rows stay familiar.
      const needsQuotes = v === f.nullString || v.includes(f.delimiter) || v.includes(f.quote) || v.includes('\n') || v.includes('\r') || v.startsWith(' ') || v.endsWith(' ');
      if (!needsQuotes) return v;
      // As PostgreSQL writes a quoted value: the quote, and a distinct escape character, escaped.
      const escaped = f.escape === f.quote ? v : v.split(f.escape).join(f.escape + f.escape);
      return f.quote + escaped.split(f.quote).join(f.escape + f.quote) + f.quote;
    })
    .join(f.delimiter);
}

/**
 * Masks COPY ... TO STDOUT data one CopyData message (one row) at a time, with the same column
 * plan a SELECT of the same columns would get.
 */
export class CopyMasker {
  private seenHeader = false;
  private readonly delimiterByte: number | null;
  private readonly quoteByte: number;
  private readonly nullBytes: Buffer;
  /** Where each column's bytes are in the line being split; reused for every line. */
  private readonly fieldStarts: Int32Array;
  private readonly fieldEnds: Int32Array;
  /** Per column: where a mask written from the field's bytes cuts it (see byte-masks.ts); -1 when it is not. */
  private readonly byteMaskCuts: Int32Array;
  /** The plan's masked columns when all can be masked from their bytes (copy-mask-run.ts), else null. */
  private readonly byteMasks: CopyByteMasks | null;

  constructor(
    private readonly plan: RowPlan,
    private readonly format: CopyFormat,
    private readonly textMasker: TextMasker | null,
    private readonly hashKey: Buffer,
    private readonly tally: MaskingTally,
    /** Masks an expression's value when the statement reads masked columns (see computed-column-rule.ts). */
    private readonly maskComputed: ((text: string, typeOid: number) => string) | null = null,
  ) {
    this.delimiterByte = singleByte(format.delimiter);
    this.quoteByte = Buffer.from(format.quote, 'utf8')[0] ?? 0x22;
    this.nullBytes = Buffer.from(format.nullString, 'utf8');
    this.fieldStarts = new Int32Array(plan.actions.length);
    this.fieldEnds = new Int32Array(plan.actions.length);
    this.byteMaskCuts = new Int32Array(plan.actions.length).fill(-1);
    this.byteMasks = copyByteMasksOf(plan, format);
  }

  rewriteLine(data: Buffer): Buffer {
    if (!this.plan.active) return data;
    if (this.format.header && !this.seenHeader) {
      this.seenHeader = true;
      return data;
    }
    if (!this.splits(data, 0, data.length)) return this.rewriteParsed(data);
    const outcome = this.maskSplitLine(data, 0, data.length);
    if (outcome === 'unchanged') return data;
    if (outcome === 'parse') return this.rewriteParsed(data);
    if (outcome === 'withhold') return this.withholdRow();
    const writer = new RunWriter(data.length + 64);
    this.writeSplitLine(writer, data, 0, data.length);
    return writer.finish();
  }

  /**
   * A run of CopyData frames (`source`, back to back) masked in one pass; returns `source`
   * itself when no line changed. Column masks are written over `source` where they fit (see
   * maskCopyRunFromBytes), so once this is called only the bytes it returns may be read: a
   * view of `source`'s memory starting where it starts, or of scratch memory the next run reuses.
   */
  rewriteRun(source: Buffer): Buffer {
    if (!this.plan.active) return source;
    const byteMasks = this.byteMasks;
    if (byteMasks === null) return rewriteRunFrames(source, this.runLines);
    return maskCopyRunFromBytes(source, byteMasks, this.runLines, this.takeHeader, this.tally.maskedColumns);
  }

  /** Whether the line in hand is the header, which passes as it is (the first line, when the COPY has one). */
  private readonly takeHeader = (): boolean => {
    if (!this.format.header || this.seenHeader) return false;
    this.seenHeader = true;
    return true;
  };

  /** For the line decide just took: the whole new line, or null when it is rewritten in place (writeSplitLine). */
  private lineReplacement: Buffer | null = null;

  private readonly runLines: RunFrameRewriter = {
    decide: (source, start, end) => {
      this.lineReplacement = null;
      if (this.format.header && !this.seenHeader) {
        this.seenHeader = true;
        return false;
      }
      if (this.splits(source, start, end)) {
        const outcome = this.maskSplitLine(source, start, end);
        if (outcome === 'withhold') this.lineReplacement = this.withholdRow();
        if (outcome !== 'parse') return outcome !== 'unchanged';
      }
      const line = source.subarray(start, end);
      const rewritten = this.rewriteParsed(line);
      if (rewritten === line) return false;
      this.lineReplacement = rewritten;
      return true;
    },
    write: (writer, source, start, end) => {
      writer.beginCopiedFrame(source, start - 5);
      if (this.lineReplacement === null) this.writeSplitLine(writer, source, start, end);
      else writer.copy(this.lineReplacement, 0, this.lineReplacement.length);
      writer.endFrame();
    },
  };

  /**
   * Text format escapes every delimiter inside a value, and a CSV record without a quote
   * character has none inside its values: both split on delimiter bytes, with no decoding of
   * the columns that pass.
   */
  private splits(data: Buffer, start: number, end: number): boolean {
    if (this.delimiterByte === null) return false;
    if (this.format.format === 'text') return true;
    return !hasByte(data, this.quoteByte, start, end);
  }

  /** Per column of the line being rewritten: undefined = unchanged, null = NULL, else the new value. */
  private readonly replaced: (string | null | undefined)[] = [];

  /**
   * Whether a field's mask can be written from its bytes: an escaped text field must be
   * decoded first, and a CSV value with an edge space would need quoting once masked.
   */
  private fieldByteMaskCut(style: MaskStyle, data: Buffer, start: number, end: number): number {
    if (this.format.format === 'text' ? hasByte(data, BACKSLASH, start, end) : data[start] === SPACE || data[end - 1] === SPACE) return -1;
    return byteMaskCut(style, data, start, end);
  }

  /** Splits data[start, end) into the scratch arrays and decides each column's value; 'parse' when the line must be parsed instead. */
  private maskSplitLine(data: Buffer, start: number, end: number): 'unchanged' | 'changed' | 'withhold' | 'parse' {
    let lineEnd = end;
    if (lineEnd > start && data[lineEnd - 1] === 0x0a) {
      lineEnd--;
      if (lineEnd > start && data[lineEnd - 1] === 0x0d) lineEnd--;
    }
    const columns = this.plan.actions.length;
    const starts = this.fieldStarts;
    const ends = this.fieldEnds;
    const delimiter = this.delimiterByte!;
    let fields = 0;
    let fieldStart = start;
    for (let p = start; p < lineEnd; p++) {
      if (data[p] !== delimiter) continue;
      if (fields < columns) {
        starts[fields] = fieldStart;
        ends[fields] = p;
      }
      fields++;
      fieldStart = p + 1;
    }
    if (fields < columns) {
      starts[fields] = fieldStart;
      ends[fields] = lineEnd;
    }
    fields++;
    // Delimiter bytes split a text line wrongly only where a value holds an escaped delimiter
    // (always one field too many): such a line is parsed. Any other count cannot be masked.
    if (fields !== columns) return this.format.format === 'text' && hasByte(data, BACKSLASH, start, end) ? 'parse' : 'withhold';
    let changed = false;
    for (let i = 0; i < columns; i++) {
      this.replaced[i] = undefined;
      if (this.plan.actions[i]!.kind === 'pass') continue;
      const fieldStartAt = starts[i]!;
      const fieldEnd = ends[i]!;
      if (this.isNull(data, fieldStartAt, fieldEnd)) continue;
      const action = this.plan.actions[i]!;
      this.byteMaskCuts[i] = -1;
      if (action.kind === 'mask') {
        const cut = action.style === 'null' ? -1 : this.fieldByteMaskCut(action.style, data, fieldStartAt, fieldEnd);
        if (action.style === 'null' || cut >= 0) {
          this.tally.maskedColumns.add(action.label);
          this.replaced[i] = action.style === 'null' ? null : '';
          this.byteMaskCuts[i] = cut;
          changed = true;
          continue;
        }
      }
      const value = data.toString('utf8', fieldStartAt, fieldEnd);
      const decoded = this.format.format === 'text' && hasByte(data, BACKSLASH, fieldStartAt, fieldEnd) ? decodeTextEscapes(value) : value;
      const masked = this.maskValue(i, decoded);
      if (masked === decoded) continue;
      this.replaced[i] = masked;
      changed = true;
    }
    return changed ? 'changed' : 'unchanged';
  }

  private isNull(data: Buffer, start: number, end: number): boolean {
    const nullBytes = this.nullBytes;
    if (end - start !== nullBytes.length) return false;
    for (let i = 0; i < nullBytes.length; i++) if (data[start + i] !== nullBytes[i]) return false;
    return true;
  }

  /** Writes the line decided by maskSplitLine (without a frame header). */
  private writeSplitLine(writer: RunWriter, data: Buffer, start: number, end: number): void {
    let copyFrom = start;
    for (let i = 0; i < this.plan.actions.length; i++) {
      const replacement = this.replaced[i];
      if (replacement === undefined) continue;
      writer.copy(data, copyFrom, this.fieldStarts[i]!);
      if (replacement === null) writer.copy(this.nullBytes, 0, this.nullBytes.length);
      else if (this.byteMaskCuts[i]! >= 0) {
        const style = (this.plan.actions[i] as Extract<ColumnAction, { kind: 'mask' }>).style;
        writeMaskBytes(style, data, this.fieldStarts[i]!, this.fieldEnds[i]!, this.byteMaskCuts[i]!, writer);
      }
      else writer.utf8(this.encode(replacement));
      copyFrom = this.fieldEnds[i]!;
    }
    writer.copy(data, copyFrom, end);
  }

  private encode(value: string): string {
    if (this.format.format === 'text') return needsTextEscapes(value, this.format.delimiter) ? joinText([value], this.format) : value;
    return joinCsv([value], this.format);
  }

  private withholdRow(): Buffer {
    // A row we cannot split into the expected columns cannot be masked: withhold it whole.
    this.tally.withheldValues += this.plan.actions.length;
    return Buffer.alloc(0);
  }

  /** The value to send for column i: the same string when it passes unchanged, null to send NULL. */
  private maskValue(i: number, v: string): string | null {
    const action = this.plan.actions[i]!;
    switch (action.kind) {
      case 'pass':
        return v;
      case 'withhold':
        this.tally.withheldValues++;
        return null;
      case 'mask':
        this.tally.maskedColumns.add(action.label);
        return applyMaskStyle(v, action.style, this.hashKey);
      case 'computed':
      case 'scan': {
        if (action.kind === 'computed' && this.maskComputed !== null) return this.maskComputed(v, this.plan.fields[i]!.typeOid);
        if (this.textMasker === null) return v;
        const r = this.textMasker(v);
        if (r.hits.length === 0) return v;
        this.tally.detectorHits += r.hits.length;
        return r.text;
      }
      default:
        return action satisfies never;
    }
  }

  private rewriteParsed(data: Buffer): Buffer {
    let text = data.toString('utf8');
    const newline = text.endsWith('\r\n') ? '\r\n' : text.endsWith('\n') ? '\n' : '';
    text = text.slice(0, text.length - newline.length);
    let values: (string | null)[];
    try {
      values = this.format.format === 'text' ? splitText(text, this.format) : splitCsv(text, this.format);
    } catch {
      values = [];
    }
    if (values.length !== this.plan.actions.length) return this.withholdRow();
    let changed = false;
    values.forEach((v, i) => {
      if (v === null) return;
      const masked = this.maskValue(i, v);
      if (masked === v) return;
      values[i] = masked;
      changed = true;
    });
    if (!changed) return data;
    const line = this.format.format === 'text' ? joinText(values, this.format) : joinCsv(values, this.format);
    return Buffer.from(line + newline, 'utf8');
  }
}

function needsTextEscapes(value: string, delimiter: string): boolean {
  return /[\\\n\r\t]/.test(value) || value.includes(delimiter);
}

const BACKSLASH = 0x5c;
const SPACE = 0x20;

/** Whether data[start, end) holds the byte (Buffer.indexOf would search past `end`, through the whole run). */
function hasByte(data: Buffer, byte: number, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (data[i] === byte) return true;
  return false;
}

/** The byte of a one-byte delimiter (PostgreSQL allows no other); null for anything else. */
function singleByte(delimiter: string): number | null {
  const bytes = Buffer.from(delimiter, 'utf8');
  return bytes.length === 1 ? bytes[0]! : null;
}

