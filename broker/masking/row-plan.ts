import type { MaskStyle } from '../../shared/masking/mask-style.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import { columnMaskStyle } from '../../shared/policy/masking-plan.ts';
import type { FieldDescription } from '../pg/protocol/backend-decoders.ts';
import type { ColumnCatalog, TableInfo } from './column-catalog.ts';
import { cannotCarryText } from './binary-values.ts';

export type ColumnAction =
  | { kind: 'pass' }
  | { kind: 'mask'; style: MaskStyle; label: string }
  | { kind: 'scan' }
  /** A value with no table column behind it (an expression): detectors, and stricter rules near masked columns. */
  | { kind: 'computed' }
  /** The column's origin could not be resolved: its values are withheld (fail closed). */
  | { kind: 'withhold'; label: string };

export interface RowPlan {
  actions: ColumnAction[];
  fields: FieldDescription[];
  /** False when every column passes unchanged, so DataRows need not be decoded at all. */
  active: boolean;
  maskedLabels: string[];
}

const STRICTNESS: readonly MaskStyle[] = ['null', 'redact', 'hash', 'last4', 'partial'];

function stricter(a: MaskStyle | null, b: MaskStyle | null): MaskStyle | null {
  if (a === null) return b;
  if (b === null) return a;
  return STRICTNESS.indexOf(a) <= STRICTNESS.indexOf(b) ? a : b;
}

/**
 * The style for one column of a relation. A view column is masked when it is, or reads, a
 * masked base column: same-named base columns give their own style; a renamed or computed view
 * column over any masked base column gets the strictest style among them, because the catalog
 * does not say which base column it came from.
 */
export function styleOfColumn(policy: PolicyDocument, catalog: ColumnCatalog, table: TableInfo, column: string, depth = 0): MaskStyle | null {
  const own = columnMaskStyle(policy, { schema: table.schema, table: table.table, column });
  if (table.kind !== 'v' && table.kind !== 'm') return own;
  if (depth > 8) return own ?? 'redact';
  let sameNamed: { found: boolean; style: MaskStyle | null } = { found: false, style: null };
  let strictest: MaskStyle | null = null;
  for (const dep of table.dependsOn) {
    const base = catalog.get(dep.oid);
    if (base === null || base === undefined) continue;
    const style = styleOfColumn(policy, catalog, base, dep.column, depth + 1);
    strictest = stricter(strictest, style);
    if (dep.column === column) sameNamed = { found: true, style: stricter(sameNamed.style, style) };
  }
  if (sameNamed.found) return stricter(own, sameNamed.style);
  return stricter(own, strictest);
}

export function buildRowPlan(policy: PolicyDocument, catalog: ColumnCatalog, fields: FieldDescription[]): RowPlan {
  const scan = policy.masking.detectors.length === 0 ? 'none' : policy.masking.scan;
  const actions: ColumnAction[] = [];
  const maskedLabels: string[] = [];
  for (const f of fields) {
    let action: ColumnAction = { kind: 'pass' };
    if (f.tableOid !== 0) {
      const table = catalog.get(f.tableOid);
      const column = table?.columns.get(f.columnAttr);
      if (table === null || table === undefined || column === undefined) {
        action = { kind: 'withhold', label: `${f.name} (unresolved table ${f.tableOid})` };
      } else {
        const style = styleOfColumn(policy, catalog, table, column);
        if (style !== null) action = { kind: 'mask', style, label: `${table.schema}.${table.table}.${column}` };
        else if (scan === 'all') action = { kind: 'scan' };
      }
    } else {
      action = { kind: 'computed' };
    }
    if ((action.kind === 'scan' || action.kind === 'computed') && cannotCarryText(f.typeOid)) action = { kind: 'pass' };
    if (action.kind === 'mask' || action.kind === 'withhold') maskedLabels.push(action.label);
    actions.push(action);
  }
  return { actions, fields, active: actions.some((a) => a.kind !== 'pass'), maskedLabels };
}
