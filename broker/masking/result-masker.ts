import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import { applyMaskStyle } from '../../shared/masking/mask-style.ts';
import { createTextMasker, type TextMasker } from '../../shared/masking/mask-text.ts';
import { detectorStylesFor, detectorsFor } from '../../shared/policy/masking-plan.ts';
import { decodeDataRow, decodeNoticeFields, type FieldDescription } from '../pg/protocol/backend-decoders.ts';
import { MessageBuilder } from '../pg/protocol/message-builder.ts';
import { BackendCode } from '../pg/protocol/message-codes.ts';
import { PayloadReader } from '../pg/protocol/payload-reader.ts';
import { ProtocolError } from '../pg/protocol/protocol-error.ts';
import { binaryToText, isTextLike, TypeOid } from './binary-values.ts';
import type { ColumnCatalog } from './column-catalog.ts';
import { buildRowPlan, type ColumnAction, type RowPlan } from './row-plan.ts';
import { byteMaskCut, writeMaskBytes } from './byte-masks.ts';
import { byteMaskColumnsOf, maskRunFromBytes, type ByteMaskColumns } from './byte-mask-run.ts';
import { isJson, isTextBearing, type ComputedColumnRule } from './computed-column-rule.ts';
import { maskJsonKeys } from './json-key-masker.ts';
import { RunWriter, rewriteRunFrames, type RunFrameRewriter } from '../pg/protocol/run-writer.ts';

/** A DataRow whose lengths do not add up: the strict decoder names the fault. */
function malformedDataRow(payload: Buffer): never {
  decodeDataRow(payload);
  throw new ProtocolError('DataRow: value lengths do not match the message size');
}

function shapeKey(fields: FieldDescription[]): string {
  let key = '';
  for (const f of fields) key += `${f.tableOid}:${f.columnAttr}:${f.typeOid}:${f.format}:${f.name}\u0000`;
  return key;
}

/** What masking did to one statement's result, for its audit record. */
export interface MaskingTally {
  maskedColumns: Set<string>;
  withheldValues: number;
  detectorHits: number;
}

export function newTally(): MaskingTally {
  return { maskedColumns: new Set(), withheldValues: 0, detectorHits: 0 };
}

/**
 * Rewrites result messages so sensitive values never leave the proxy: columns are traced to
 * their table and attribute (so aliases and views do not escape), computed values and free text
 * go through content detectors, and anything that cannot be masked is withheld. It works one
 * message at a time; nothing is buffered beyond the row being rewritten.
 */
export class ResultMasker {
  private readonly plans = new WeakMap<FieldDescription[], RowPlan>();
  /** Per plan, the columns whose action is not `pass`: the only ones a row's second look visits. */
  private readonly activeColumns = new WeakMap<RowPlan, Int32Array>();
  /** Per plan, its masked columns when all of them can be masked from their bytes (byte-mask-run.ts). */
  private readonly byteMaskPlans = new WeakMap<RowPlan, ByteMaskColumns | null>();
  private readonly plansByShape = new Map<string, RowPlan>();
  readonly textMasker: TextMasker | null;
  readonly enabled: boolean;

  constructor(
    private readonly policy: PolicyDocument,
    private readonly catalog: ColumnCatalog,
    private readonly hashKey: Buffer,
  ) {
    const detectors = detectorsFor(policy);
    this.textMasker = detectors.length === 0 ? null : createTextMasker(detectors, { styles: detectorStylesFor(policy), hashKey });
    this.enabled = Object.keys(policy.masking.columns).length > 0 || this.textMasker !== null;
  }

  /** The plan for a row shape, or a promise when its tables must first be looked up. */
  planFor(fields: FieldDescription[]): RowPlan | Promise<RowPlan> {
    const cached = this.plans.get(fields);
    if (cached !== undefined) return cached;
    // Simple queries decode a new field array per result; the same shapes recur, so plans are
    // also kept by content (bounded), which spares rebuilding one per statement.
    const key = shapeKey(fields);
    const same = this.plansByShape.get(key);
    if (same !== undefined) {
      const plan = { ...same, fields };
      this.plans.set(fields, plan);
      return plan;
    }
    const missing = this.catalog.missing(fields.map((f) => f.tableOid));
    if (missing.length === 0) return this.remember(fields);
    return this.catalog.load(missing).then(() => this.remember(fields));
  }

  private remember(fields: FieldDescription[]): RowPlan {
    const plan = buildRowPlan(this.policy, this.catalog, fields);
    this.plans.set(fields, plan);
    if (this.plansByShape.size > 500) this.plansByShape.clear();
    this.plansByShape.set(shapeKey(fields), plan);
    return plan;
  }

  /** RowDescription with masked columns retyped as text, since a mask is not a valid value of most types. */
  rewriteRowDescription(raw: Buffer, plan: RowPlan, computed: ComputedColumnRule | null = null): Buffer {
    // A masked value is text; a column that will carry one is announced as text, or a client
    // would parse "[REDACTED]" as an array, a record or a number.
    const retyped = plan.fields.map((f, i) => {
      const a = plan.actions[i]!;
      if (isTextLike(f.typeOid)) return false;
      if (a.kind === 'mask') return a.style !== 'null';
      return a.kind === 'computed' && computed !== null && isTextBearing(f.typeOid);
    });
    if (!retyped.some(Boolean)) return raw;
    const b = new MessageBuilder().int16(plan.fields.length);
    plan.fields.forEach((f, i) => {
      const retype = retyped[i]!;
      b.cstring(f.name).uint32(f.tableOid).int16(f.columnAttr);
      b.uint32(retype ? TypeOid.text : f.typeOid).int16(retype ? -1 : f.typeSize).int32(retype ? -1 : f.typeModifier).int16(f.format);
    });
    return b.build(BackendCode.RowDescription);
  }

  rewriteDataRow(raw: Buffer, payload: Buffer, plan: RowPlan, tally: MaskingTally, computed: ComputedColumnRule | null = null): Buffer {
    if (!plan.active) return raw;
    const payloadStart = raw.length - payload.length;
    this.beginRows(plan);
    if (!this.maskRow(raw, payloadStart, raw.length, plan, tally, computed)) return raw;
    const writer = new RunWriter(raw.length + 64);
    this.writeRow(writer, raw, payloadStart, raw.length, plan);
    return writer.finish();
  }

  /**
   * A run of DataRows (`source`, frames back to back) masked in one pass; returns `source`
   * itself when no value changed. Column masks are written over `source` where they fit (see
   * maskRunFromBytes), so once this is called only the bytes it returns may be read. Those are
   * then either a view of `source`'s memory starting where it starts, or a view into scratch
   * memory the next masked run reuses (see RunWriter.finish): copy the latter before masking another.
   */
  rewriteDataRun(source: Buffer, plan: RowPlan, tally: MaskingTally, computed: ComputedColumnRule | null = null): Buffer {
    if (!plan.active) return source;
    this.beginRows(plan);
    this.runPlan = plan;
    this.runTally = tally;
    this.runComputed = computed;
    let byteMasks = this.byteMaskPlans.get(plan);
    if (byteMasks === undefined) {
      byteMasks = byteMaskColumnsOf(plan);
      this.byteMaskPlans.set(plan, byteMasks);
    }
    if (byteMasks === null) return rewriteRunFrames(source, this.runRows);
    return maskRunFromBytes(source, byteMasks, this.runRows, tally.maskedColumns);
  }

  /** The run rewriteDataRun is masking: its plan, tally and computed-column rule. */
  private runPlan: RowPlan | null = null;
  private runTally: MaskingTally = newTally();
  private runComputed: ComputedColumnRule | null = null;

  /** Masks the rows of the run in hand one by one (made once: a rewriter per run showed as garbage per chunk). */
  private readonly runRows: RunFrameRewriter = {
    decide: (row, start, end) => this.maskRow(row, start, end, this.runPlan!, this.runTally, this.runComputed),
    write: (writer, row, start, end) => this.writeRow(writer, row, start, end, this.runPlan!),
  };

  /** Where each value of the row being rewritten starts, and its length; reused for every row. */
  private starts = new Int32Array(64);
  private lengths = new Int32Array(64);
  /** Per column of that row: undefined = unchanged, null = NULL, else the text to send. */
  private replaced: (string | null | undefined)[] = [];
  /** Per column: the replacement is binary jsonb, sent with its version byte. */
  private jsonbVersion = new Uint8Array(64);
  /** Per column: where a mask written from the value's bytes cuts it (see byte-masks.ts); -1 when it is not. */
  private byteMaskCuts = new Int32Array(64);
  private columnCount = 0;
  /** The active columns of the plan being applied (see beginRows). */
  private active: Int32Array = new Int32Array(0);
  /** Per column: its mask label is already in the tally (a Set add per row showed in profiles). */
  private labelNoted = new Uint8Array(64);

  /** Gets the plan's active columns ready, and forgets which labels the last tally got. */
  private beginRows(plan: RowPlan): void {
    let active = this.activeColumns.get(plan);
    if (active === undefined) {
      const indexes: number[] = [];
      plan.actions.forEach((action, i) => {
        if (action.kind !== 'pass') indexes.push(i);
      });
      active = Int32Array.from(indexes);
      this.activeColumns.set(plan, active);
    }
    this.active = active;
    if (this.labelNoted.length < plan.actions.length) this.labelNoted = new Uint8Array(plan.actions.length);
    else this.labelNoted.fill(0);
  }

  private noteMasked(tally: MaskingTally, column: number, label: string): void {
    if (this.labelNoted[column] === 1) return;
    this.labelNoted[column] = 1;
    tally.maskedColumns.add(label);
  }

  /**
   * Decides the row's values (source[start, end) is a DataRow payload) into the scratch
   * arrays; returns whether any changed. Throws ProtocolError when the lengths do not add up.
   */
  private maskRow(source: Buffer, start: number, end: number, plan: RowPlan, tally: MaskingTally, computed: ComputedColumnRule | null): boolean {
    // Locate values without slicing them all: most columns pass untouched and are copied as bytes.
    const count = end - start >= 2 ? source.readInt16BE(start) : -1;
    if (count < 0) return malformedDataRow(source.subarray(start, end));
    if (this.starts.length < count) {
      this.starts = new Int32Array(count);
      this.lengths = new Int32Array(count);
      this.jsonbVersion = new Uint8Array(count);
      this.byteMaskCuts = new Int32Array(count);
    }
    const starts = this.starts;
    const lengths = this.lengths;
    const replaced = this.replaced;
    let pos = start + 2;
    for (let i = 0; i < count; i++) {
      if (pos + 4 > end) return malformedDataRow(source.subarray(start, end));
      // Read by hand: readInt32BE's argument checks showed up per value in profiles.
      const len = (source[pos]! << 24) | (source[pos + 1]! << 16) | (source[pos + 2]! << 8) | source[pos + 3]!;
      starts[i] = pos + 4;
      lengths[i] = len;
      pos += 4 + (len > 0 ? len : 0);
    }
    if (pos !== end) return malformedDataRow(source.subarray(start, end));
    this.columnCount = count;
    let changed = false;
    const active = this.active;
    for (let a = 0; a < active.length; a++) {
      const i = active[a]!;
      if (i >= count) break;
      // Reset here, not per column: writeRow reads these only at active columns.
      replaced[i] = undefined;
      this.jsonbVersion[i] = 0;
      this.byteMaskCuts[i] = -1;
      if (lengths[i]! < 0) continue;
      const action = plan.actions[i]!;
      const field = plan.fields[i]!;
      if (action.kind === 'withhold') {
        replaced[i] = null;
        tally.withheldValues++;
        this.noteMasked(tally, i, action.label);
        changed = true;
        continue;
      }
      const valueStart = starts[i]!;
      const valueEnd = valueStart + lengths[i]!;
      if (action.kind === 'mask' && field.format === 0) {
        const cut = action.style === 'null' ? -1 : byteMaskCut(action.style, source, valueStart, valueEnd);
        if (action.style === 'null' || cut >= 0) {
          changed = true;
          this.noteMasked(tally, i, action.label);
          replaced[i] = action.style === 'null' ? null : '';
          this.byteMaskCuts[i] = cut;
          continue;
        }
      }
      const text = field.format === 0 ? source.toString('utf8', valueStart, valueEnd) : binaryToText(field.typeOid, source.subarray(valueStart, valueEnd));
      if (action.kind === 'mask') {
        changed = true;
        this.noteMasked(tally, i, action.label);
        if (text === undefined) {
          replaced[i] = null;
          tally.withheldValues++;
          continue;
        }
        replaced[i] = applyMaskStyle(text, action.style, this.hashKey);
        continue;
      }
      if (action.kind === 'computed' && computed !== null && isTextBearing(field.typeOid)) {
        if (text === undefined) {
          replaced[i] = null;
          tally.withheldValues++;
          changed = true;
          continue;
        }
        const masked = this.maskComputed(text, field.typeOid, computed);
        if (masked === text) continue;
        changed = true;
        tally.maskedColumns.add(`${field.name} (expression over masked columns)`);
        // jsonb keeps its type (masked JSON is still JSON); anything else was announced as text.
        replaced[i] = masked;
        if (field.format === 1 && field.typeOid === TypeOid.jsonb) this.jsonbVersion[i] = 1;
        continue;
      }
      // scan (table columns under scan: all, and computed columns without masked columns in reach)
      if (action.kind === 'computed' && this.policy.masking.scan === 'none') continue;
      if (this.textMasker === null) continue;
      if (text === undefined) {
        replaced[i] = null;
        tally.withheldValues++;
        changed = true;
        continue;
      }
      const result = this.textMasker(text);
      if (result.hits.length === 0) continue;
      changed = true;
      tally.detectorHits += result.hits.length;
      tally.maskedColumns.add(`${field.name} (${result.hits.join(', ')})`);
      if (field.format === 1 && !isTextLike(field.typeOid)) {
        // A binary number cannot carry a textual mask: withhold it.
        replaced[i] = null;
        tally.withheldValues++;
      } else {
        replaced[i] = result.text;
        if (field.format === 1 && field.typeOid === TypeOid.jsonb) this.jsonbVersion[i] = 1;
      }
    }
    return changed;
  }

  /** Writes the DataRow decided by maskRow: unchanged values copied in bulk, replaced ones written. */
  private writeRow(writer: RunWriter, source: Buffer, payloadStart: number, end: number, plan: RowPlan): void {
    writer.beginCopiedFrame(source, payloadStart - 5);
    let copyFrom = payloadStart;
    const active = this.active;
    for (let a = 0; a < active.length; a++) {
      const i = active[a]!;
      if (i >= this.columnCount) break;
      const replacement = this.replaced[i];
      if (replacement === undefined) continue;
      const lengthWord = this.starts[i]! - 4;
      writer.copy(source, copyFrom, lengthWord);
      if (replacement === null) {
        writer.int32(-1);
      } else if (this.byteMaskCuts[i]! >= 0) {
        const at = writer.placeholder();
        const action = plan.actions[i] as Extract<ColumnAction, { kind: 'mask' }>;
        writer.patchInt32(at, writeMaskBytes(action.style, source, this.starts[i]!, this.starts[i]! + this.lengths[i]!, this.byteMaskCuts[i]!, writer));
      } else {
        const at = writer.placeholder();
        let bytes = 0;
        if (this.jsonbVersion[i] === 1) bytes += writer.utf8('\u0001');
        bytes += writer.utf8(replacement);
        writer.patchInt32(at, bytes);
      }
      copyFrom = this.starts[i]! + Math.max(this.lengths[i]!, 0);
    }
    writer.copy(source, copyFrom, end);
    writer.endFrame();
  }

  /** An expression's value in a statement that reads masked columns: JSON by key, other text whole. */
  maskComputed(text: string, typeOid: number, rule: ComputedColumnRule): string {
    if (isJson(typeOid) || text.startsWith('{') || text.startsWith('[')) {
      const byKey = maskJsonKeys(text, rule, this.hashKey);
      if (byKey !== null) {
        const scanned = this.textMasker === null ? byKey.text : this.textMasker(byKey.text).text;
        return scanned;
      }
    }
    if (isJson(typeOid)) return JSON.stringify(applyMaskStyle(text, rule.strictest, this.hashKey) ?? '[REDACTED]');
    return applyMaskStyle(text, rule.strictest, this.hashKey) ?? '[REDACTED]';
  }

  /**
   * Error and notice text can echo values (a failed cast quotes its input; a unique violation
   * prints the key). Detectors run over every text field; for data and constraint errors the
   * quoted values themselves are redacted, because a masked column's value need not look like
   * anything a detector knows.
   */
  rewriteNotice(raw: Buffer, payload: Buffer, type: number): Buffer {
    const fields = decodeNoticeFields(payload);
    const sqlstate = fields.get('C') ?? '';
    const columnRules = Object.keys(this.policy.masking.columns).length > 0;
    // Data errors quote the offending value in the message; constraint errors print the key in
    // the detail and name the constraint (not a value) in the message.
    const valueFields = !columnRules ? [] : sqlstate.startsWith('22') ? ['M', 'D', 'W', 'q'] : sqlstate.startsWith('23') ? ['D'] : [];
    let changed = false;
    for (const key of ['M', 'D', 'H', 'W', 'q']) {
      const original = fields.get(key);
      if (original === undefined) continue;
      let text = original;
      if (valueFields.includes(key)) {
        text = text.replace(/"(?:[^"]|"")*"/g, '"[REDACTED]"').replace(/=\((.*)\)/g, '=([REDACTED])');
      }
      if (this.textMasker !== null) text = this.textMasker(text).text;
      if (text !== original) {
        fields.set(key, text);
        changed = true;
      }
    }
    if (!changed) return raw;
    const b = new MessageBuilder();
    for (const [k, v] of fields) b.int8(k.charCodeAt(0)).cstring(v);
    b.int8(0);
    return b.build(type);
  }

  rewriteNotification(raw: Buffer, payload: Buffer): Buffer {
    if (this.textMasker === null) return raw;
    const r = new PayloadReader(payload, 'NotificationResponse');
    const pid = r.int32();
    const channel = r.cstring();
    const text = r.cstring();
    const masked = this.textMasker(text);
    if (masked.hits.length === 0) return raw;
    return new MessageBuilder().int32(pid).cstring(channel).cstring(masked.text).build(BackendCode.NotificationResponse);
  }
}
