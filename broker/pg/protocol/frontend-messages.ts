import { FrontendCode } from './message-codes.ts';
import { PayloadReader } from './payload-reader.ts';
import { ProtocolError } from './protocol-error.ts';
import type { Frame } from './frame-reader.ts';

/** A frontend message after the startup phase, decoded just enough to be judged and tracked. */
export type FrontendMessage =
  | { kind: 'query'; sql: string }
  | { kind: 'parse'; statement: string; sql: string; paramTypes: number[] }
  | { kind: 'bind'; portal: string; statement: string; paramFormats: number[]; params: (Buffer | null)[]; resultFormats: number[] }
  | { kind: 'describe'; target: 'S' | 'P'; name: string }
  | { kind: 'execute'; portal: string; maxRows: number }
  | { kind: 'close'; target: 'S' | 'P'; name: string }
  | { kind: 'sync' }
  | { kind: 'flush' }
  | { kind: 'terminate' }
  | { kind: 'copy-data'; data: Buffer }
  | { kind: 'copy-done' }
  | { kind: 'copy-fail'; message: string }
  | { kind: 'function-call'; functionOid: number }
  | { kind: 'password'; data: Buffer };

function formatCodes(r: PayloadReader, what: string): number[] {
  const n = r.count16(2);
  const codes: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const c = r.int16();
    if (c !== 0 && c !== 1) throw new ProtocolError(`${what}: invalid format code ${c}`);
    codes[i] = c;
  }
  return codes;
}

function target(r: PayloadReader, what: string): 'S' | 'P' {
  const t = r.int8();
  if (t === 0x53) return 'S';
  if (t === 0x50) return 'P';
  throw new ProtocolError(`${what}: invalid target '${String.fromCharCode(t)}'`);
}

/**
 * Decodes one frontend frame strictly. Anything malformed — unterminated strings, counts that
 * do not fit, trailing bytes, unknown types — throws ProtocolError.
 */
export function decodeFrontendMessage(frame: Frame): FrontendMessage {
  const r = new PayloadReader(frame.payload, `message '${String.fromCharCode(frame.type)}'`);
  let msg: FrontendMessage;
  switch (frame.type) {
    case FrontendCode.Query:
      msg = { kind: 'query', sql: r.cstring() };
      break;
    case FrontendCode.Parse: {
      const statement = r.cstring();
      const sql = r.cstring();
      const n = r.count16(4);
      const paramTypes: number[] = new Array<number>(n);
      for (let i = 0; i < n; i++) paramTypes[i] = r.uint32();
      msg = { kind: 'parse', statement, sql, paramTypes };
      break;
    }
    case FrontendCode.Bind: {
      const portal = r.cstring();
      const statement = r.cstring();
      const paramFormats = formatCodes(r, 'Bind');
      const n = r.count16(4);
      const params: (Buffer | null)[] = new Array<Buffer | null>(n);
      for (let i = 0; i < n; i++) {
        const len = r.int32();
        if (len === -1) params[i] = null;
        else if (len < -1) throw new ProtocolError(`Bind: invalid parameter length ${len}`);
        else params[i] = r.bytes(len);
      }
      if (paramFormats.length > 1 && paramFormats.length !== n) {
        throw new ProtocolError(`Bind: ${paramFormats.length} parameter formats for ${n} parameters`);
      }
      const resultFormats = formatCodes(r, 'Bind');
      msg = { kind: 'bind', portal, statement, paramFormats, params, resultFormats };
      break;
    }
    case FrontendCode.Describe:
      msg = { kind: 'describe', target: target(r, 'Describe'), name: r.cstring() };
      break;
    case FrontendCode.Execute: {
      const portal = r.cstring();
      const maxRows = r.int32();
      if (maxRows < 0) throw new ProtocolError(`Execute: negative row limit ${maxRows}`);
      msg = { kind: 'execute', portal, maxRows };
      break;
    }
    case FrontendCode.Close:
      msg = { kind: 'close', target: target(r, 'Close'), name: r.cstring() };
      break;
    case FrontendCode.Sync:
      msg = { kind: 'sync' };
      break;
    case FrontendCode.Flush:
      msg = { kind: 'flush' };
      break;
    case FrontendCode.Terminate:
      msg = { kind: 'terminate' };
      break;
    case FrontendCode.CopyData:
      return { kind: 'copy-data', data: r.rest() };
    case FrontendCode.CopyDone:
      msg = { kind: 'copy-done' };
      break;
    case FrontendCode.CopyFail:
      msg = { kind: 'copy-fail', message: r.cstring() };
      break;
    case FrontendCode.FunctionCall:
      // The fast-path interface calls any function by OID, bypassing SQL; it is decoded only far
      // enough to be refused by policy.
      msg = { kind: 'function-call', functionOid: r.uint32() };
      r.rest();
      break;
    case FrontendCode.Password:
      return { kind: 'password', data: r.rest() };
    default:
      throw new ProtocolError(`unknown frontend message type 0x${frame.type.toString(16).padStart(2, '0')}`);
  }
  r.end();
  return msg;
}
