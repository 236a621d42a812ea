/**
 * Text forms of binary-format result values, for the types masking must be able to read.
 * A type missing here cannot be inspected in binary form; the masker then withholds the value.
 */

export const TypeOid = {
  bool: 16,
  bytea: 17,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

/** Types whose binary form is UTF-8 text (jsonb with a one-byte version prefix). */
export function isTextLike(typeOid: number): boolean {
  return typeOid === TypeOid.text || typeOid === TypeOid.varchar || typeOid === TypeOid.bpchar || typeOid === TypeOid.name || typeOid === TypeOid.json || typeOid === TypeOid.jsonb || typeOid === 705 /* unknown */;
}

/** Types that cannot carry a detectable secret (too narrow or not textual), so scanning may skip them. */
export function cannotCarryText(typeOid: number): boolean {
  switch (typeOid) {
    case TypeOid.bool:
    case TypeOid.int2:
    case TypeOid.int4:
    case TypeOid.oid:
    case TypeOid.float4:
    case TypeOid.float8:
    case TypeOid.date:
    case TypeOid.time:
    case TypeOid.timestamp:
    case TypeOid.timestamptz:
    case TypeOid.interval:
    case TypeOid.uuid:
      return true;
    default:
      return false;
  }
}

function decodeNumeric(b: Buffer): string | undefined {
  if (b.length < 8) return undefined;
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (b.length !== 8 + ndigits * 2) return undefined;
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  const digits: number[] = [];
  for (let i = 0; i < ndigits; i++) digits.push(b.readInt16BE(8 + i * 2));
  let intPart = '';
  for (let w = 0; w <= weight; w++) {
    const d = digits[w] ?? 0;
    intPart += w === 0 ? String(d) : String(d).padStart(4, '0');
  }
  if (intPart === '') intPart = '0';
  let frac = '';
  for (let w = weight + 1; frac.length < dscale; w++) {
    const d = w < 0 ? 0 : (digits[w] ?? 0);
    frac += String(d).padStart(4, '0');
  }
  frac = frac.slice(0, dscale);
  return (sign === 0x4000 ? '-' : '') + intPart + (dscale > 0 ? `.${frac}` : '');
}

/** The text a binary value stands for, or undefined when this type cannot be read. */
export function binaryToText(typeOid: number, b: Buffer): string | undefined {
  if (isTextLike(typeOid)) {
    if (typeOid === TypeOid.jsonb) return b[0] === 1 ? b.toString('utf8', 1) : undefined;
    return b.toString('utf8');
  }
  switch (typeOid) {
    case TypeOid.int2:
      return b.length === 2 ? String(b.readInt16BE(0)) : undefined;
    case TypeOid.int4:
      return b.length === 4 ? String(b.readInt32BE(0)) : undefined;
    case TypeOid.oid:
      return b.length === 4 ? String(b.readUInt32BE(0)) : undefined;
    case TypeOid.int8:
      return b.length === 8 ? b.readBigInt64BE(0).toString() : undefined;
    case TypeOid.bool:
      return b.length === 1 ? (b[0] === 1 ? 't' : 'f') : undefined;
    case TypeOid.float4:
      return b.length === 4 ? String(b.readFloatBE(0)) : undefined;
    case TypeOid.float8:
      return b.length === 8 ? String(b.readDoubleBE(0)) : undefined;
    case TypeOid.numeric:
      return decodeNumeric(b);
    case TypeOid.uuid:
      if (b.length !== 16) return undefined;
      return `${b.toString('hex', 0, 4)}-${b.toString('hex', 4, 6)}-${b.toString('hex', 6, 8)}-${b.toString('hex', 8, 10)}-${b.toString('hex', 10, 16)}`;
    default:
      return undefined;
  }
}
