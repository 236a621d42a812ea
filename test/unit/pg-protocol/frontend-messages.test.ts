import { describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import type { Frame } from '../../../broker/pg/protocol/frame-reader.ts';
import { decodeFrontendMessage } from '../../../broker/pg/protocol/frontend-messages.ts';
import { MessageBuilder } from '../../../broker/pg/protocol/message-builder.ts';
import { catchProtocolError } from './catch-protocol-error.ts';

function frameOf(raw: Buffer): Frame {
  return { type: raw[0]!, payload: raw.subarray(5), raw };
}

function build(type: string, fill: (b: MessageBuilder) => unknown): Frame {
  const b = new MessageBuilder();
  fill(b);
  return frameOf(b.build(type.charCodeAt(0)));
}

function decodeRaw(raw: Buffer): ReturnType<typeof decodeFrontendMessage> {
  return decodeFrontendMessage(frameOf(raw));
}

/** The decoder must refuse `frame` as a protocol violation whose message matches `reason`. */
function expectViolation(frame: Frame, reason: RegExp): void {
  const e = catchProtocolError(() => decodeFrontendMessage(frame));
  expect(e.sqlstate).toBe('08P01');
  expect(e.message).toMatch(reason);
}

describe('decodeFrontendMessage accepts every message type', () => {
  it('Query, with multi-byte UTF-8', () => {
    expect(decodeRaw(serialize.query("select 'zoë ✓'"))).toEqual({ kind: 'query', sql: "select 'zoë ✓'" });
  });

  it('Parse, with parameter type OIDs above 2^31', () => {
    expect(decodeRaw(serialize.parse({ name: 'st', text: 'select $1, $2', types: [23, 0xfffffff0] }))).toEqual({
      kind: 'parse',
      statement: 'st',
      sql: 'select $1, $2',
      paramTypes: [23, 0xfffffff0],
    });
    expect(decodeRaw(serialize.parse({ text: 'select 1' }))).toEqual({ kind: 'parse', statement: '', sql: 'select 1', paramTypes: [] });
  });

  it('Bind as node-postgres writes it (one format code per parameter)', () => {
    const msg = decodeRaw(serialize.bind({ portal: 'p', statement: 'st', values: ['42', Buffer.from([0, 1]), null], binary: true }));
    expect(msg).toEqual({
      kind: 'bind',
      portal: 'p',
      statement: 'st',
      paramFormats: [0, 1, 0],
      params: [Buffer.from('42'), Buffer.from([0, 1]), null],
      resultFormats: [1],
    });
  });

  it('Bind with a single format code for all parameters and no result formats', () => {
    const frame = build('B', (b) => b.cstring('').cstring('').int16(1).int16(1).int16(2).int32(1).bytes(Buffer.from([9])).int32(0).int16(0));
    expect(decodeFrontendMessage(frame)).toEqual({
      kind: 'bind',
      portal: '',
      statement: '',
      paramFormats: [1],
      params: [Buffer.from([9]), Buffer.alloc(0)],
      resultFormats: [],
    });
  });

  it('Describe and Close of statements and portals', () => {
    expect(decodeRaw(serialize.describe({ type: 'S', name: 'st' }))).toEqual({ kind: 'describe', target: 'S', name: 'st' });
    expect(decodeRaw(serialize.describe({ type: 'P' }))).toEqual({ kind: 'describe', target: 'P', name: '' });
    expect(decodeRaw(serialize.close({ type: 'S', name: 'st' }))).toEqual({ kind: 'close', target: 'S', name: 'st' });
    expect(decodeRaw(serialize.close({ type: 'P', name: 'p' }))).toEqual({ kind: 'close', target: 'P', name: 'p' });
  });

  it('Execute with and without a row limit', () => {
    expect(decodeRaw(serialize.execute({ portal: 'p', rows: 100 }))).toEqual({ kind: 'execute', portal: 'p', maxRows: 100 });
    expect(decodeRaw(serialize.execute())).toEqual({ kind: 'execute', portal: '', maxRows: 0 });
  });

  it('Sync, Flush, Terminate and CopyDone', () => {
    expect(decodeRaw(serialize.sync())).toEqual({ kind: 'sync' });
    expect(decodeRaw(serialize.flush())).toEqual({ kind: 'flush' });
    expect(decodeRaw(serialize.end())).toEqual({ kind: 'terminate' });
    expect(decodeRaw(serialize.copyDone())).toEqual({ kind: 'copy-done' });
  });

  it('CopyData with any bytes, NULs included, and CopyFail', () => {
    const data = Buffer.from([0, 0xff, 0, 10]);
    expect(decodeRaw(serialize.copyData(data))).toEqual({ kind: 'copy-data', data });
    expect(decodeRaw(serialize.copyData(Buffer.alloc(0)))).toEqual({ kind: 'copy-data', data: Buffer.alloc(0) });
    expect(decodeRaw(serialize.copyFail('client gave up'))).toEqual({ kind: 'copy-fail', message: 'client gave up' });
  });

  it('FunctionCall, decoded as far as its function OID', () => {
    const frame = build('F', (b) => b.uint32(0x80000001).int16(0).int16(1).int32(-1).int16(0));
    expect(decodeFrontendMessage(frame)).toEqual({ kind: 'function-call', functionOid: 0x80000001 });
  });

  it('Password and SASL responses as opaque bytes', () => {
    expect(decodeRaw(serialize.password('secret'))).toEqual({ kind: 'password', data: Buffer.from('secret\0') });
    const sasl = serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=,r=abc');
    expect(decodeRaw(sasl)).toEqual({ kind: 'password', data: sasl.subarray(5) });
  });
});

describe('decodeFrontendMessage refuses malformed messages', () => {
  it('unterminated strings', () => {
    expectViolation(build('Q', (b) => b.bytes(Buffer.from('select 1'))), /not NUL-terminated/);
    expectViolation(build('Q', () => undefined), /not NUL-terminated/);
    expectViolation(build('P', (b) => b.cstring('st').bytes(Buffer.from('select 1'))), /not NUL-terminated/);
    expectViolation(build('B', (b) => b.bytes(Buffer.from('portal'))), /not NUL-terminated/);
    expectViolation(build('D', (b) => b.int8(0x53).bytes(Buffer.from('st'))), /not NUL-terminated/);
    expectViolation(build('E', (b) => b.bytes(Buffer.from('p'))), /not NUL-terminated/);
    expectViolation(build('C', (b) => b.int8(0x50)), /not NUL-terminated/);
    expectViolation(build('f', (b) => b.bytes(Buffer.from('oops'))), /not NUL-terminated/);
  });

  it('trailing bytes after a complete message', () => {
    expectViolation(build('Q', (b) => b.cstring('select 1').int8(0x78)), /1 unexpected trailing bytes/);
    expectViolation(build('P', (b) => b.cstring('').cstring('select 1').int16(0).int8(0)), /trailing/);
    expectViolation(build('E', (b) => b.cstring('').int32(0).int32(0)), /4 unexpected trailing bytes/);
    expectViolation(build('D', (b) => b.int8(0x50).cstring('').int8(1)), /trailing/);
    for (const type of ['S', 'H', 'X', 'c']) expectViolation(build(type, (b) => b.int8(0)), /trailing/);
  });

  it('counts that do not fit in the message', () => {
    expectViolation(build('P', (b) => b.cstring('').cstring('select $1').int16(2).uint32(23)), /count 2 exceeds message size/);
    expectViolation(build('P', (b) => b.cstring('').cstring('select 1').int16(0x7fff)), /count 32767 exceeds/);
    expectViolation(build('B', (b) => b.cstring('').cstring('').int16(0x7fff).int16(0)), /count 32767 exceeds/);
    expectViolation(build('B', (b) => b.cstring('').cstring('').int16(0).int16(3).int32(-1).int32(-1)), /count 3 exceeds/);
    expectViolation(build('B', (b) => b.cstring('').cstring('').int16(0).int16(0).int16(5).int16(0)), /count 5 exceeds/);
  });

  it('negative counts and lengths', () => {
    expectViolation(build('P', (b) => b.cstring('').cstring('select 1').int16(-1)), /negative count -1/);
    expectViolation(build('B', (b) => b.cstring('').cstring('').int16(-2)), /negative count -2/);
    expectViolation(build('B', (b) => b.cstring('').cstring('').int16(0).int16(1).int32(-2).int16(0)), /invalid parameter length -2/);
    expectViolation(
      build('B', (b) => b.cstring('').cstring('').int16(0).int16(1).int32(-2147483648).int16(0)),
      /invalid parameter length -2147483648/,
    );
    expectViolation(build('E', (b) => b.cstring('').int32(-1)), /negative row limit -1/);
  });

  it('a Bind parameter longer than what is left of the message', () => {
    expectViolation(build('B', (b) => b.cstring('').cstring('').int16(0).int16(1).int32(100).bytes(Buffer.alloc(10)).int16(0)), /truncated/);
  });

  it('a Bind whose format codes do not match its parameters', () => {
    const mismatched = build('B', (b) => b.cstring('').cstring('').int16(2).int16(0).int16(0).int16(3).int32(-1).int32(-1).int32(-1).int16(0));
    expectViolation(mismatched, /2 parameter formats for 3 parameters/);
    expectViolation(build('B', (b) => b.cstring('').cstring('').int16(1).int16(2).int16(0).int16(0)), /invalid format code 2/);
    expectViolation(build('B', (b) => b.cstring('').cstring('').int16(0).int16(0).int16(1).int16(-1)), /invalid format code -1/);
  });

  it('truncated fixed-size fields', () => {
    expectViolation(build('E', (b) => b.cstring('').int16(0)), /truncated/);
    expectViolation(build('F', (b) => b.int16(1)), /truncated/);
    expectViolation(build('D', () => undefined), /truncated/);
    expectViolation(build('B', (b) => b.cstring('').cstring('').int8(0)), /truncated/);
  });

  it('an invalid Describe or Close target', () => {
    expectViolation(build('D', (b) => b.int8(0x58).cstring('')), /Describe: invalid target 'X'/);
    expectViolation(build('C', (b) => b.int8(0x73).cstring('')), /Close: invalid target 's'/);
  });

  it('unknown message types, including backend-only and startup-only codes', () => {
    for (const type of [0x00, 0x5a, 0x54, 0x52, 0x70 + 1, 0xff]) {
      expectViolation(build(String.fromCharCode(type), (b) => b.cstring('x')), /unknown frontend message type 0x/);
    }
  });
});
