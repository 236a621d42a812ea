import type { MaskStyle } from '../../shared/masking/mask-style.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import type { ColumnCatalog } from './column-catalog.ts';
import { styleOfColumn } from './row-plan.ts';
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

/**
 * The rule for one statement, from the masked columns the touched relations really have
 * (resolved through the catalog, views followed to their base columns); null when none.
 */
export function computedColumnRule(policy: PolicyDocument, catalog: ColumnCatalog, relationOids: readonly number[]): ComputedColumnRule | null {
  const columns: ComputedColumnRule['columns'] = [];
  for (const oid of relationOids) {
    const table = catalog.get(oid);
    if (table === null || table === undefined) continue;
    for (const column of table.columns.values()) {
      const style = styleOfColumn(policy, catalog, table, column);
      if (style !== null) columns.push({ glob: column, style });
    }
  }
  if (columns.length === 0) return null;
  const strictest = columns.map((c) => c.style).sort((a, b) => STRICTNESS.indexOf(a) - STRICTNESS.indexOf(b))[0]!;
  return { columns, strictest };
}

/** SQL that finds the OIDs of the named relations (unqualified names: every schema on the path, or any). */
export function relationOidQuery(relations: readonly RelationRef[], searchPath: readonly string[], literal: (s: string) => string): string | null {
  const clauses: string[] = [];
  for (const r of relations) {
    if (r.schema !== null) clauses.push(`(n.nspname = ${literal(r.schema)} and c.relname = ${literal(r.name)})`);
    else if (searchPath.length > 0) clauses.push(`(n.nspname in (${[...searchPath, 'pg_catalog'].map(literal).join(',')}) and c.relname = ${literal(r.name)})`);
    else clauses.push(`(c.relname = ${literal(r.name)})`);
  }
  if (clauses.length === 0) return null;
  return `select c.oid::text from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where ${clauses.join(' or ')}`;
}

const textBearingArrays = new Set([1009, 1015, 1014, 199, 3807, 1003, 2287, 2249]);

/** Types whose values can carry a copy of a text column: text, JSON, arrays of them, records, user types. */
export function isTextBearing(typeOid: number): boolean {
  return isTextLike(typeOid) || textBearingArrays.has(typeOid) || typeOid >= 16384;
}

export function isJson(typeOid: number): boolean {
  return typeOid === TypeOid.json || typeOid === TypeOid.jsonb;
}
