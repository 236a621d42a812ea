// Small readers for libpg-query JSON parse-tree values. The tree arrives as plain JSON, so every read
// checks the shape instead of trusting a cast: a shape we do not expect must never be read as "nothing".

export type AstRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is AstRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `{ "String": { "sval": "x" } }` → 'x'. */
export function stringNodeValue(node: unknown): string | null {
  if (!isRecord(node) || !isRecord(node.String)) return null;
  const sval = node.String.sval;
  // protobuf omits empty strings, so a String node without sval is ''.
  return typeof sval === 'string' ? sval : sval === undefined ? '' : null;
}

/** A list of String nodes (a qualified name) → its parts, or null if any part is not a String node. */
export function stringList(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const parts: string[] = [];
  for (const item of value) {
    const part = stringNodeValue(item);
    if (part === null) return null;
    parts.push(part);
  }
  return parts;
}

/**
 * The literal text of a constant expression: an A_Const, possibly under type casts. Returns null for
 * anything computed, and for NULL. Integers render in decimal, booleans as 'true'/'false'.
 */
export function constantText(node: unknown): string | null {
  if (!isRecord(node)) return null;
  if (isRecord(node.TypeCast)) return constantText(node.TypeCast.arg);
  const aConst = node.A_Const;
  if (!isRecord(aConst) || aConst.isnull === true) return null;
  if (isRecord(aConst.sval)) return typeof aConst.sval.sval === 'string' ? aConst.sval.sval : '';
  if (isRecord(aConst.ival)) return String(typeof aConst.ival.ival === 'number' ? aConst.ival.ival : 0);
  if (isRecord(aConst.fval)) return typeof aConst.fval.fval === 'string' ? aConst.fval.fval : null;
  if (isRecord(aConst.boolval)) return aConst.boolval.boolval === true ? 'true' : 'false';
  if (isRecord(aConst.bsval)) return typeof aConst.bsval.bsval === 'string' ? aConst.bsval.bsval : null;
  return null;
}

/** Integer-valued A_Const → number (protobuf omits zero, so `{ ival: {} }` is 0). */
export function constantInteger(node: unknown): number | null {
  if (!isRecord(node) || !isRecord(node.A_Const)) return null;
  const ival = node.A_Const.ival;
  if (!isRecord(ival)) return null;
  return typeof ival.ival === 'number' ? ival.ival : 0;
}
