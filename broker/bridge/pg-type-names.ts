import pg from 'pg';

/*
 * Type names for the result grid's column headers, from node-postgres's table of built-in type
 * OIDs. Arrays and user types (enums, domains) are not in it; they are shown by OID rather than
 * spending a catalog query (through the policy, in the user's session) on a header.
 */

const ARRAY_TYPES: Record<number, string> = { 1000: 'bool[]', 1005: 'int2[]', 1007: 'int4[]', 1016: 'int8[]', 1009: 'text[]', 1015: 'varchar[]', 1021: 'float4[]', 1022: 'float8[]', 1231: 'numeric[]', 2951: 'uuid[]', 199: 'json[]', 3807: 'jsonb[]' };

const BY_OID = new Map<number, string>([
  ...Object.entries(pg.types.builtins as Record<string, number>).map(([name, oid]) => [oid, name.toLowerCase()] as [number, string]),
  ...Object.entries(ARRAY_TYPES).map(([oid, name]) => [Number(oid), name] as [number, string]),
]);

export function typeNameOf(oid: number): string {
  return BY_OID.get(oid) ?? `oid ${oid}`;
}
