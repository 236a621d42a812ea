import { applyMaskStyle, REDACTED_TOKEN } from '../../shared/masking/mask-style.ts';
import { globMatches } from '../../shared/policy/glob.ts';
import type { ComputedColumnRule } from './computed-column-rule.ts';

/**
 * Masks a computed JSON value from a statement that reads masked columns. Keys named like a
 * masked column get that column's style; every other string gets the strictest style in reach,
 * because keys are chosen by whoever wrote the query (json_build_object('name', ssn)) and so
 * prove nothing about where a value came from. Numbers, booleans and structure stay. Returns
 * null when the text is not JSON, so the caller masks the whole value.
 */
export function maskJsonKeys(text: string, rule: ComputedColumnRule, hashKey: Buffer): { text: string; changed: boolean } | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  let changed = false;
  const styleOf = (key: string): ComputedColumnRule['columns'][number]['style'] | null => {
    for (const c of rule.columns) if (globMatches(c.glob, key)) return c.style;
    return null;
  };
  const maskScalar = (v: unknown, style: ComputedColumnRule['columns'][number]['style']): unknown => {
    if (v === null) return null;
    if (typeof v === 'object') return REDACTED_TOKEN;
    changed = true;
    return applyMaskStyle(String(v), style, hashKey);
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      changed = true;
      return applyMaskStyle(v, rule.strictest, hashKey);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
        const style = styleOf(k);
        if (style === null) out[k] = walk(value);
        else {
          changed = true;
          out[k] = Array.isArray(value) ? value.map((x) => maskScalar(x, style)) : maskScalar(value, style);
        }
      }
      return out;
    }
    return v;
  };
  const masked = walk(doc);
  return changed ? { text: JSON.stringify(masked), changed } : { text, changed: false };
}
