import { applyMaskStyle, REDACTED_TOKEN } from '../../shared/masking/mask-style.ts';
import { globMatches } from '../../shared/policy/glob.ts';
import type { ComputedColumnRule } from './computed-column-rule.ts';

/**
 * Masks the values of JSON keys named like a masked column (row_to_json, json_agg and
 * json_build_object name their keys after the columns they came from). Returns null when the
 * text is not JSON, so the caller falls back to masking the whole value.
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
