import { applyMaskStyle } from '../../shared/masking/mask-style.ts';
import type { TextMasker } from '../../shared/masking/mask-text.ts';
import type { RowPlan } from './row-plan.ts';
import type { MaskingTally } from './result-masker.ts';

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

/** Splits one text-format COPY line into decoded field values (null for the null string). */
function splitText(line: string, f: CopyFormat): (string | null)[] {
  const raw = line.split(f.delimiter);
  return raw.map((field) => {
    if (field === f.nullString) return null;
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
        if (line.startsWith(f.escape, i) && line.startsWith(f.quote, i + f.escape.length) && f.escape !== f.quote) {
          value += f.quote;
          i += f.escape.length + f.quote.length;
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
      return needsQuotes ? f.quote + v.split(f.quote).join(f.escape + f.quote) + f.quote : v;
    })
    .join(f.delimiter);
}

/**
 * Masks COPY ... TO STDOUT data one CopyData message (one row) at a time, with the same column
 * plan a SELECT of the same columns would get.
 */
export class CopyMasker {
  private seenHeader = false;

  constructor(
    private readonly plan: RowPlan,
    private readonly format: CopyFormat,
    private readonly textMasker: TextMasker | null,
    private readonly hashKey: Buffer,
    private readonly tally: MaskingTally,
    /** Masks an expression's value when the statement reads masked columns (see computed-column-rule.ts). */
    private readonly maskComputed: ((text: string, typeOid: number) => string) | null = null,
  ) {}

  rewriteLine(data: Buffer): Buffer {
    if (!this.plan.active) return data;
    if (this.format.header && !this.seenHeader) {
      this.seenHeader = true;
      return data;
    }
    let text = data.toString('utf8');
    const newline = text.endsWith('\r\n') ? '\r\n' : text.endsWith('\n') ? '\n' : '';
    text = text.slice(0, text.length - newline.length);
    let values: (string | null)[];
    try {
      values = this.format.format === 'text' ? splitText(text, this.format) : splitCsv(text, this.format);
    } catch {
      values = [];
    }
    if (values.length !== this.plan.actions.length) {
      // A row we cannot split into the expected columns cannot be masked: withhold it whole.
      this.tally.withheldValues += this.plan.actions.length;
      return Buffer.alloc(0);
    }
    let changed = false;
    values.forEach((v, i) => {
      const action = this.plan.actions[i]!;
      if (v === null || action.kind === 'pass') return;
      if (action.kind === 'withhold') {
        values[i] = null;
        this.tally.withheldValues++;
        changed = true;
      } else if (action.kind === 'mask') {
        values[i] = applyMaskStyle(v, action.style, this.hashKey);
        this.tally.maskedColumns.add(action.label);
        changed = true;
      } else if (action.kind === 'computed' && this.maskComputed !== null) {
        const masked = this.maskComputed(v, this.plan.fields[i]!.typeOid);
        if (masked !== v) {
          values[i] = masked;
          changed = true;
        }
      } else if (this.textMasker !== null) {
        const r = this.textMasker(v);
        if (r.hits.length > 0) {
          values[i] = r.text;
          this.tally.detectorHits += r.hits.length;
          changed = true;
        }
      }
    });
    if (!changed) return data;
    const line = this.format.format === 'text' ? joinText(values, this.format) : joinCsv(values, this.format);
    return Buffer.from(line + newline, 'utf8');
  }
}
