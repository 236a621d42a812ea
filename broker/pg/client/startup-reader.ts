import type { Socket } from 'node:net';
import { decodeStartupPacket, startupPacketLength, type StartupPacket } from '../protocol/startup-packet.ts';
import { ProtocolError } from '../protocol/protocol-error.ts';

/**
 * Reads one startup-phase packet (which has no type byte) from a socket, with a deadline.
 * Bytes that follow the packet are returned as `rest`; a client that pipelines data after
 * SSLRequest is refused by the caller (the TLS handshake must come first).
 */
export function readStartupPacket(socket: Socket, deadline: number): Promise<{ packet: StartupPacket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new ProtocolError('timed out waiting for the startup packet', '08006')), Math.max(0, deadline - Date.now()));
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      let len: number | null;
      try {
        len = startupPacketLength(buf);
      } catch (e) {
        return finish(e as Error);
      }
      if (len === null || buf.length < len) return;
      try {
        const packet = decodeStartupPacket(buf.subarray(0, len));
        finish(null, { packet, rest: buf.subarray(len) });
      } catch (e) {
        finish(e as Error);
      }
    };
    const onEnd = (): void => finish(new ProtocolError('client closed the connection before completing the startup packet', '08006'));
    function finish(err: Error | null, value?: { packet: StartupPacket; rest: Buffer }): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      if (err !== null) reject(err);
      else resolve(value!);
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onEnd);
    socket.resume();
  });
}
