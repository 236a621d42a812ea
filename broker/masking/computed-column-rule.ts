import type { MaskStyle } from '../../shared/masking/mask-style.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import { globMatches } from '../../shared/policy/glob.ts';
import { parseColumnPattern } from '../../shared/policy/name-pattern.ts';
import type { RelationRef } from '../../shared/sql/classification.ts';
import { TypeOid, isTextLike } from './binary-values.ts';

/**
 * How computed result columns are masked in a statement that reads a relation with masked
 * columns. An expression such as lower(ssn) or row_to_json(c) has no table OID, and a value a
 * detector does not recognise would otherwise escape; so text-bearing computed values are
 * masked with the strictest style of the masked columns in reach, and JSON keys named like a
 * masked column get that column's style.
 */
export interface ComputedColumnRule {
  columns: { glob: string; style: MaskStyle }[];
  strictest: MaskStyle;
}

const STRICTNESS: readonly MaskStyle[] = ['null', 'redact', 'hash', 'last4', 'partial'];

export function computedColumnRule(policy: PolicyDocument, relations: readonly RelationRef[], searchPath: readonly string[]): ComputedColumnRule | null {
  const columns: ComputedColumnRule['columns'] = [];
  for (const [pattern, style] of Object.entries(policy.masking.columns)) {
    const p = parseColumnPattern(pattern);
    if (p === null) continue;
    const touched = relations.some((r) => {
      if (!globMatches(p.table, r.name)) return false;
      if (r.schema !== null) return globMatches(p.schema, r.schema);
      // Unqualified: it could be in any schema on the path (or any at all when the path is unknown).
      return searchPath.length === 0 || searchPath.some((s) => globMatches(p.schema, s));
    });
    if (touched) columns.push({ glob: p.column, style });
  }
  if (columns.length === 0) return null;
  const strictest = columns.map((c) => c.style).sort((a, b) => STRICTNESS.indexOf(a) - STRICTNESS.indexOf(b))[0]!;
  return { columns, strictest };
}

const textBearingArrays = new Set([1009, 1015, 1014, 199, 3807, 1003, 2287, 2249]);

/** Types whose values can carry a copy of a text column: text, JSON, arrays of them, records, user types. */
export function isTextBearing(typeOid: number): boolean {
  return isTextLike(typeOid) || textBearingArrays.has(typeOid) || typeOid >= 16384;
}

export function isJson(typeOid: number): boolean {
  return typeOid === TypeOid.json || typeOid === TypeOid.jsonb;
}
