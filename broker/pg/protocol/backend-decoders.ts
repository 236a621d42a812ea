import { PayloadReader } from './payload-reader.ts';
import { ProtocolError } from './protocol-error.ts';

/** Decoders for the backend messages the proxy must understand; everything else passes as bytes. */

export type AuthenticationRequest =
  | { kind: 'ok' }
  | { kind: 'cleartext' }
  | { kind: 'md5'; salt: Buffer }
  | { kind: 'sasl'; mechanisms: string[] }
  | { kind: 'sasl-continue'; data: Buffer }
  | { kind: 'sasl-final'; data: Buffer }
  | { kind: 'unsupported'; code: number };

export function decodeAuthentication(payload: Buffer): AuthenticationRequest {
  const r = new PayloadReader(payload, 'Authentication');
  const code = r.int32();
  switch (code) {
    case 0:
      return { kind: 'ok' };
    case 3:
      return { kind: 'cleartext' };
    case 5:
      return { kind: 'md5', salt: r.bytes(4) };
    case 10: {
      const mechanisms: string[] = [];
      for (;;) {
        const m = r.cstring();
        if (m === '') break;
        mechanisms.push(m);
      }
      return { kind: 'sasl', mechanisms };
    }
    case 11:
      return { kind: 'sasl-continue', data: r.rest() };
    case 12:
      return { kind: 'sasl-final', data: r.rest() };
    default:
      return { kind: 'unsupported', code };
  }
}

/** ErrorResponse/NoticeResponse fields by their one-letter code. */
export function decodeNoticeFields(payload: Buffer): Map<string, string> {
  const r = new PayloadReader(payload, 'ErrorResponse');
  const fields = new Map<string, string>();
  for (;;) {
    const code = r.int8();
    if (code === 0) break;
    fields.set(String.fromCharCode(code), r.cstring());
  }
  return fields;
}

export function decodeParameterStatus(payload: Buffer): { name: string; value: string } {
  const r = new PayloadReader(payload, 'ParameterStatus');
  return { name: r.cstring(), value: r.cstring() };
}

export function decodeBackendKeyData(payload: Buffer): { processId: number; secretKey: Buffer } {
  const r = new PayloadReader(payload, 'BackendKeyData');
  const processId = r.int32();
  return { processId, secretKey: Buffer.from(r.rest()) };
}

export function decodeReadyForQuery(payload: Buffer): 'I' | 'T' | 'E' {
  if (payload.length !== 1) throw new ProtocolError('ReadyForQuery: bad length');
  const s = String.fromCharCode(payload[0]!);
  if (s !== 'I' && s !== 'T' && s !== 'E') throw new ProtocolError(`ReadyForQuery: bad status '${s}'`);
  return s;
}

export interface FieldDescription {
  name: string;
  tableOid: number;
  columnAttr: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  format: number;
}

export function decodeRowDescription(payload: Buffer): FieldDescription[] {
  const r = new PayloadReader(payload, 'RowDescription');
  const n = r.count16(19);
  const fields: FieldDescription[] = new Array<FieldDescription>(n);
  for (let i = 0; i < n; i++) {
    fields[i] = {
      name: r.cstring(),
      tableOid: r.uint32(),
      columnAttr: r.int16(),
      typeOid: r.uint32(),
      typeSize: r.int16(),
      typeModifier: r.int32(),
      format: r.int16(),
    };
  }
  r.end();
  return fields;
}

/** DataRow values as views into the payload (null for SQL NULL). */
export function decodeDataRow(payload: Buffer): (Buffer | null)[] {
  const r = new PayloadReader(payload, 'DataRow');
  const n = r.count16(4);
  const values: (Buffer | null)[] = new Array<Buffer | null>(n);
  for (let i = 0; i < n; i++) {
    const len = r.int32();
    values[i] = len === -1 ? null : r.bytes(len);
  }
  r.end();
  return values;
}

export function decodeCommandComplete(payload: Buffer): string {
  return new PayloadReader(payload, 'CommandComplete').cstring();
}
