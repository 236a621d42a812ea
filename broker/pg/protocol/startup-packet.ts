import { StartupCode } from './message-codes.ts';
import { PayloadReader } from './payload-reader.ts';
import { ProtocolError } from './protocol-error.ts';

/** PostgreSQL's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET_BYTES = 10_000;

export type StartupPacket =
  | { kind: 'ssl-request' }
  | { kind: 'gssenc-request' }
  | { kind: 'cancel'; processId: number; secretKey: Buffer }
  | { kind: 'startup'; majorVersion: number; minorVersion: number; params: Map<string, string> };

/**
 * Reads the length word of a startup-phase packet from `buf` (which may hold more).
 * Returns null when more bytes are needed.
 */
export function startupPacketLength(buf: Buffer): number | null {
  if (buf.length < 4) return null;
  const len = buf.readUInt32BE(0);
  if (len < 8 || len > MAX_STARTUP_PACKET_BYTES) {
    throw new ProtocolError(`invalid startup packet length ${len}`);
  }
  return len;
}

/** Decodes one complete startup-phase packet (length word included). */
export function decodeStartupPacket(packet: Buffer): StartupPacket {
  const r = new PayloadReader(packet.subarray(4), 'startup packet');
  const code = r.uint32();
  switch (code) {
    case StartupCode.SSLRequest:
      r.end();
      return { kind: 'ssl-request' };
    case StartupCode.GSSENCRequest:
      r.end();
      return { kind: 'gssenc-request' };
    case StartupCode.CancelRequest: {
      const processId = r.int32();
      // Protocol 3.2 allows a longer key; accept 4..256 bytes.
      const secretKey = r.rest();
      if (secretKey.length < 4 || secretKey.length > 256) throw new ProtocolError('cancel request: invalid key length');
      return { kind: 'cancel', processId, secretKey };
    }
    default: {
      const majorVersion = code >>> 16;
      const minorVersion = code & 0xffff;
      if (majorVersion !== 3) {
        throw new ProtocolError(`unsupported frontend protocol ${majorVersion}.${minorVersion}: server supports 3.0`, '0A000');
      }
      const params = new Map<string, string>();
      for (;;) {
        const key = r.cstring();
        if (key === '') break;
        const value = r.cstring();
        if (params.has(key)) throw new ProtocolError(`startup packet: duplicate parameter "${key}"`);
        params.set(key, value);
      }
      r.end();
      if (!params.has('user')) throw new ProtocolError('no PostgreSQL user name specified in startup packet', '28000');
      return { kind: 'startup', majorVersion, minorVersion, params };
    }
  }
}
