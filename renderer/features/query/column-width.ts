import type { QueryColumn } from '../../../shared/bridge/query-bridge.ts';

const NARROW_TYPES = new Set(['bool', 'boolean', 'int2', 'int4', 'int8', 'smallint', 'integer', 'bigint', 'oid', 'float4', 'float8', 'numeric', 'real', 'double precision']);

/** A first width in pixels for a result column, from its name and type; users resize from there. */
export function initialColumnWidth(column: Pick<QueryColumn, 'name' | 'typeName'>): number {
  const forName = column.name.length * 8 + 40;
  const forType = NARROW_TYPES.has(column.typeName.toLowerCase()) ? 100 : /^(timestamp|timestamptz|date|time|uuid)/i.test(column.typeName) ? 200 : 180;
  return Math.min(420, Math.max(80, forName, forType));
}
