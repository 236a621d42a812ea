import { describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import { decodeStartupPacket, MAX_STARTUP_PACKET_BYTES, startupPacketLength } from '../../../broker/pg/protocol/startup-packet.ts';
import { StartupCode } from '../../../broker/pg/protocol/message-codes.ts';
import { catchProtocolError } from './catch-protocol-error.ts';

/** A startup-phase packet: length word (counting itself), then `body`. */
function packet(...parts: (number | string | Buffer)[]): Buffer {
  const body = Buffer.concat(
    parts.map((p) => {
      if (typeof p === 'string') return Buffer.from(p + '\0', 'utf8');
      if (Buffer.isBuffer(p)) return p;
      const b = Buffer.alloc(4);
      b.writeUInt32BE(p >>> 0, 0);
      return b;
    }),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length + 4, 0);
  return Buffer.concat([len, body]);
}

const END = Buffer.from([0]);

describe('startupPacketLength', () => {
  it('asks for more bytes until the length word is complete', () => {
    expect(startupPacketLength(Buffer.alloc(0))).toBeNull();
    expect(startupPacketLength(Buffer.from([0, 0, 0]))).toBeNull();
  });

  it('returns the length of a valid packet, ignoring what follows it', () => {
    const ssl = serialize.requestSsl();
    expect(startupPacketLength(ssl)).toBe(8);
    expect(startupPacketLength(Buffer.concat([ssl, Buffer.from('trailing')]))).toBe(8);
    const limit = Buffer.alloc(4);
    limit.writeUInt32BE(MAX_STARTUP_PACKET_BYTES, 0);
    expect(startupPacketLength(limit)).toBe(MAX_STARTUP_PACKET_BYTES);
  });

  it.each([0, 3, 7, MAX_STARTUP_PACKET_BYTES + 1, 2 ** 31, 2 ** 32 - 1])('refuses length %i with 08P01', (len) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(len, 0);
    const e = catchProtocolError(() => startupPacketLength(b));
    expect(e.sqlstate).toBe('08P01');
    expect(e.message).toBe(`invalid startup packet length ${len}`);
  });

  it('recognises an HTTP request as an impossible length', () => {
    // 'GET ' read as a big-endian word is 1195725856.
    expect(catchProtocolError(() => startupPacketLength(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).message).toMatch(/1195725856/);
  });
});

describe('decodeStartupPacket accepts', () => {
  it('SSLRequest and GSSENCRequest', () => {
    expect(decodeStartupPacket(serialize.requestSsl())).toEqual({ kind: 'ssl-request' });
    expect(decodeStartupPacket(packet(StartupCode.GSSENCRequest))).toEqual({ kind: 'gssenc-request' });
  });

  it('CancelRequest with a 4-byte key and with a longer protocol 3.2 key', () => {
    const short = serialize.cancel(1234, -5);
    expect(decodeStartupPacket(short)).toEqual({ kind: 'cancel', processId: 1234, secretKey: short.subarray(12) });
    const key = Buffer.alloc(32, 0xab);
    expect(decodeStartupPacket(packet(StartupCode.CancelRequest, 99, key))).toEqual({ kind: 'cancel', processId: 99, secretKey: key });
  });

  it('a protocol 3.0 startup packet with its parameters', () => {
    const decoded = decodeStartupPacket(packet(StartupCode.Protocol30, 'user', 'ana', 'database', 'db', 'application_name', 'psql ✓', END));
    expect(decoded).toEqual({
      kind: 'startup',
      majorVersion: 3,
      minorVersion: 0,
      params: new Map([
        ['user', 'ana'],
        ['database', 'db'],
        ['application_name', 'psql ✓'],
      ]),
    });
  });

  it('a protocol 3.2 startup packet (the caller negotiates the version down)', () => {
    const decoded = decodeStartupPacket(packet((3 << 16) | 2, 'user', 'ana', END));
    expect(decoded).toMatchObject({ kind: 'startup', majorVersion: 3, minorVersion: 2 });
  });
});

describe('decodeStartupPacket refuses', () => {
  it('a packet too short to hold its request code', () => {
    expect(catchProtocolError(() => decodeStartupPacket(Buffer.from([0, 0, 0, 6, 0, 3]))).message).toMatch(/truncated/);
  });

  it('SSLRequest and GSSENCRequest with trailing bytes', () => {
    expect(catchProtocolError(() => decodeStartupPacket(packet(StartupCode.SSLRequest, 0))).message).toMatch(/4 unexpected trailing bytes/);
    expect(catchProtocolError(() => decodeStartupPacket(packet(StartupCode.GSSENCRequest, END))).message).toMatch(/trailing/);
  });

  it('CancelRequest with a missing, short or oversized key', () => {
    expect(catchProtocolError(() => decodeStartupPacket(packet(StartupCode.CancelRequest, Buffer.from([0, 1])))).message).toMatch(/truncated/);
    expect(catchProtocolError(() => decodeStartupPacket(packet(StartupCode.CancelRequest, 1, Buffer.alloc(3)))).message).toMatch(/invalid key length/);
    expect(catchProtocolError(() => decodeStartupPacket(packet(StartupCode.CancelRequest, 1, Buffer.alloc(257)))).message).toMatch(/invalid key length/);
  });

  it('protocol versions other than 3 with 0A000', () => {
    // 80877105 is one past the last special request code: it reads as protocol 1234.5681.
    for (const code of [2 << 16, 4 << 16, 0, 80877105]) {
      const e = catchProtocolError(() => decodeStartupPacket(packet(code, 'user', 'ana', END)));
      expect(e.sqlstate).toBe('0A000');
      expect(e.message).toMatch(/unsupported frontend protocol/);
    }
  });

  it('unterminated parameter names and values, and a missing list terminator', () => {
    const v3 = StartupCode.Protocol30;
    expect(catchProtocolError(() => decodeStartupPacket(packet(v3, Buffer.from('user'))))).toMatchObject({ sqlstate: '08P01' });
    expect(catchProtocolError(() => decodeStartupPacket(packet(v3, 'user', Buffer.from('ana')))).message).toMatch(/not NUL-terminated/);
    expect(catchProtocolError(() => decodeStartupPacket(packet(v3, 'user', 'ana'))).message).toMatch(/not NUL-terminated/);
  });

  it('bytes after the parameter list terminator', () => {
    const e = catchProtocolError(() => decodeStartupPacket(packet(StartupCode.Protocol30, 'user', 'ana', END, Buffer.from('xy'))));
    expect(e.message).toMatch(/2 unexpected trailing bytes/);
  });

  it('a duplicate parameter', () => {
    const e = catchProtocolError(() => decodeStartupPacket(packet(StartupCode.Protocol30, 'user', 'ana', 'user', 'bob', END)));
    expect(e.message).toMatch(/duplicate parameter "user"/);
  });

  it('a packet without a user name, with 28000', () => {
    const e = catchProtocolError(() => decodeStartupPacket(packet(StartupCode.Protocol30, 'database', 'db', END)));
    expect(e.sqlstate).toBe('28000');
  });
});
