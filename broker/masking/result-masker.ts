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
import { buildRowPlan, type RowPlan } from './row-plan.ts';
import { isJson, isTextBearing, type ComputedColumnRule } from './computed-column-rule.ts';
import { maskJsonKeys } from './json-key-masker.ts';

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
    // Locate values without slicing them all: most columns pass untouched and are copied as bytes.
    const count = payload.length >= 2 ? payload.readInt16BE(0) : -1;
    if (count < 0) return malformedDataRow(payload);
    const starts = new Int32Array(count);
    const lengths = new Int32Array(count);
    let pos = 2;
    for (let i = 0; i < count; i++) {
      if (pos + 4 > payload.length) return malformedDataRow(payload);
      const len = payload.readInt32BE(pos);
      starts[i] = pos + 4;
      lengths[i] = len;
      pos += 4 + (len > 0 ? len : 0);
    }
    if (pos !== payload.length) return malformedDataRow(payload);
    const values: (Buffer | null | undefined)[] = new Array<Buffer | null | undefined>(count);
    let changed = false;
    for (let i = 0; i < count; i++) {
      const action = plan.actions[i];
      if (action === undefined || action.kind === 'pass' || lengths[i]! < 0) continue;
      const value = payload.subarray(starts[i]!, starts[i]! + lengths[i]!);
      values[i] = value;
      const field = plan.fields[i]!;
      if (action.kind === 'withhold') {
        values[i] = null;
        tally.withheldValues++;
        tally.maskedColumns.add(action.label);
        changed = true;
        continue;
      }
      const text = field.format === 0 ? value.toString('utf8') : binaryToText(field.typeOid, value);
      if (action.kind === 'mask') {
        changed = true;
        tally.maskedColumns.add(action.label);
        if (text === undefined) {
          values[i] = null;
          tally.withheldValues++;
          continue;
        }
        const masked = applyMaskStyle(field.typeOid === TypeOid.jsonb && field.format === 0 ? text : text, action.style, this.hashKey);
        values[i] = masked === null ? null : Buffer.from(masked, 'utf8');
        continue;
      }
      if (action.kind === 'computed' && computed !== null && isTextBearing(field.typeOid)) {
        if (text === undefined) {
          values[i] = null;
          tally.withheldValues++;
          changed = true;
          continue;
        }
        const masked = this.maskComputed(text, field.typeOid, computed);
        if (masked === text) continue;
        changed = true;
        tally.maskedColumns.add(`${field.name} (expression over masked columns)`);
        const bytes = Buffer.from(masked, 'utf8');
        // jsonb keeps its type (masked JSON is still JSON); anything else was announced as text.
        values[i] = field.format === 1 && field.typeOid === TypeOid.jsonb ? Buffer.concat([Buffer.from([1]), bytes]) : bytes;
        continue;
      }
      // scan (table columns under scan: all, and computed columns without masked columns in reach)
      if (action.kind === 'computed' && this.policy.masking.scan === 'none') continue;
      if (this.textMasker === null) continue;
      if (text === undefined) {
        values[i] = null;
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
        values[i] = null;
        tally.withheldValues++;
      } else if (field.format === 1 && field.typeOid === TypeOid.jsonb) {
        values[i] = Buffer.concat([Buffer.from([1]), Buffer.from(result.text, 'utf8')]);
      } else {
        values[i] = Buffer.from(result.text, 'utf8');
      }
    }
    if (!changed) return raw;
    let size = 5 + 2;
    for (let i = 0; i < count; i++) {
      const v = values[i];
      size += 4 + (v === undefined ? Math.max(lengths[i]!, 0) : v === null ? 0 : v.length);
    }
    const out = Buffer.allocUnsafe(size);
    out[0] = BackendCode.DataRow;
    out.writeUInt32BE(size - 1, 1);
    out.writeInt16BE(count, 5);
    let o = 7;
    for (let i = 0; i < count; i++) {
      const v = values[i];
      if (v === undefined) {
        o += payload.copy(out, o, starts[i]! - 4, starts[i]! + Math.max(lengths[i]!, 0));
      } else if (v === null) {
        o = out.writeInt32BE(-1, o);
      } else {
        o = out.writeInt32BE(v.length, o);
        o += v.copy(out, o);
      }
    }
    return out;
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
