import type { Socket } from 'node:net';
import type { AuthRateLimiter } from '../../broker/pg/auth/auth-rate-limiter.ts';
import { ScramServerSession } from '../../broker/pg/auth/scram-server.ts';
import type { ScramVerifier } from '../../broker/pg/auth/scram-server.ts';
import { backend } from '../../broker/pg/protocol/backend-messages.ts';
import { FrameReader } from '../../broker/pg/protocol/frame-reader.ts';
import type { Frame } from '../../broker/pg/protocol/frame-reader.ts';
import { HandshakeReader } from '../../broker/pg/protocol/handshake-reader.ts';
import { FrontendCode, StartupCode } from '../../broker/pg/protocol/message-codes.ts';
import { PayloadReader } from '../../broker/pg/protocol/payload-reader.ts';
import { ProtocolError } from '../../broker/pg/protocol/protocol-error.ts';
import { startupPacketLength } from '../../broker/pg/protocol/startup-packet.ts';

/**
 * The startup phase of the PGlite wire server, as PostgreSQL runs it: SSLRequest and
 * GSSENCRequest are declined ('N'), a CancelRequest is reported, and the startup packet is
 * followed by SCRAM-SHA-256 with the one password. Unlike the broker's strict listener it takes
 * a repeated startup parameter as PostgreSQL does (the last one wins): node-postgres, and with
 * it the broker's upstream side, always sends client_encoding a second time.
 */

export interface WireCredentials {
  user: string;
  database: string;
  verifier: ScramVerifier;
}

export type WireHandshake =
  | { kind: 'session'; reader: FrameReader; pending: Frame[]; params: Map<string, string> }
  | { kind: 'cancel'; processId: number };

/** A refusal the client sees as a FATAL error with this SQLSTATE before the socket closes. */
export class WireRefusal extends Error {
  constructor(
    message: string,
    readonly sqlstate: string,
  ) {
    super(message);
  }
}

type StartupPhasePacket = { kind: 'ssl' | 'gss' } | { kind: 'cancel'; processId: number } | { kind: 'startup'; minorVersion: number; params: Map<string, string> };

function decodePacket(packet: Buffer): StartupPhasePacket {
  const r = new PayloadReader(packet.subarray(4), 'startup packet');
  const code = r.uint32();
  if (code === StartupCode.SSLRequest) return { kind: 'ssl' };
  if (code === StartupCode.GSSENCRequest) return { kind: 'gss' };
  if (code === StartupCode.CancelRequest) return { kind: 'cancel', processId: r.int32() };
  if (code >>> 16 !== 3) throw new WireRefusal(`unsupported frontend protocol ${code >>> 16}.${code & 0xffff}: server supports 3.0`, '0A000');
  const params = new Map<string, string>();
  for (;;) {
    const key = r.cstring();
    if (key === '') break;
    params.set(key, r.cstring());
  }
  r.end();
  return { kind: 'startup', minorVersion: code & 0xffff, params };
}

/** One startup-phase packet (they have no type byte); a client must not send more before the answer. */
function readPacket(socket: Socket, deadline: number): Promise<StartupPhasePacket> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new ProtocolError('timed out waiting for the startup packet', '08006')), Math.max(0, deadline - Date.now()));
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      try {
        const length = startupPacketLength(buffered);
        if (length === null || buffered.length < length) return;
        if (buffered.length > length) throw new ProtocolError('unexpected data after a startup packet');
        finish(null, decodePacket(buffered));
      } catch (e) {
        finish(e as Error);
      }
    };
    const onGone = (): void => finish(new ProtocolError('client closed the connection during startup', '08006'));
    function finish(error: Error | null, packet?: StartupPhasePacket): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onGone);
      socket.off('error', onGone);
      socket.pause();
      if (error !== null) reject(error);
      else resolve(packet!);
    }
    socket.on('data', onData);
    socket.on('close', onGone);
    socket.on('error', onGone);
    socket.resume();
  });
}

async function passwordMessage(reader: HandshakeReader, deadline: number): Promise<Buffer> {
  const frame = await reader.next(deadline);
  if (frame.type !== FrontendCode.Password) throw new ProtocolError(`expected a password response, got message type '${String.fromCharCode(frame.type)}'`);
  return frame.payload;
}

async function scram(socket: Socket, reader: HandshakeReader, verifier: ScramVerifier, deadline: number): Promise<boolean> {
  const session = new ScramServerSession(verifier);
  socket.write(backend.authenticationSasl(session.mechanisms));
  const initial = new PayloadReader(await passwordMessage(reader, deadline), 'SASLInitialResponse');
  const mechanism = initial.cstring();
  const length = initial.int32();
  const data = length < 0 ? Buffer.alloc(0) : initial.bytes(length);
  initial.end();
  const first = session.handleClientFirst(mechanism, data);
  if (!first.ok) {
    if (first.sqlState !== '28P01') throw new WireRefusal(first.reason, first.sqlState);
    return false;
  }
  socket.write(backend.authenticationSaslContinue(first.serverFirst));
  const final = session.handleClientFinal(await passwordMessage(reader, deadline));
  if (!final.ok) {
    if (final.sqlState !== '28P01') throw new WireRefusal(final.reason, final.sqlState);
    return false;
  }
  socket.write(backend.authenticationSaslFinal(final.serverFinal));
  return true;
}

/** Runs the startup phase up to (not including) AuthenticationOk. */
export async function acceptWireClient(
  socket: Socket,
  o: { credentials: WireCredentials; rateLimiter: AuthRateLimiter; timeoutMs: number; maxMessageBytes: number },
): Promise<WireHandshake> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const packet = await readPacket(socket, deadline);
    switch (packet.kind) {
      case 'ssl':
      case 'gss':
        socket.write('N');
        continue;
      case 'cancel':
        socket.destroy();
        return { kind: 'cancel', processId: packet.processId };
      case 'startup': {
        const unknownOptions = [...packet.params.keys()].filter((key) => key.startsWith('_pq_.'));
        if (packet.minorVersion > 0 || unknownOptions.length > 0) socket.write(backend.negotiateProtocolVersion(0, unknownOptions));
        const user = packet.params.get('user');
        if (user === undefined) throw new WireRefusal('no PostgreSQL user name specified in startup packet', '28000');
        const database = packet.params.get('database') ?? user;
        if ((packet.params.get('replication') ?? 'false') !== 'false') throw new WireRefusal('replication connections are not supported', '28000');
        const remote = socket.remoteAddress ?? '?';
        const limit = o.rateLimiter.check(remote);
        if (!limit.allowed) throw new WireRefusal(`too many failed authentication attempts; retry in ${Math.ceil(limit.retryAfterMs / 1000)} s`, '28P01');
        const reader = new HandshakeReader(socket, new FrameReader({ maxMessageBytes: 64 * 1024, peer: 'client' }), 'client');
        socket.resume();
        const authenticated = await scram(socket, reader, o.credentials.verifier, deadline);
        if (!authenticated || user !== o.credentials.user) {
          o.rateLimiter.recordFailure(remote);
          throw new WireRefusal(`password authentication failed for user "${user}"`, '28P01');
        }
        o.rateLimiter.recordSuccess(remote);
        if (database !== o.credentials.database) throw new WireRefusal(`database "${database}" does not exist`, '3D000');
        socket.pause();
        const released = reader.release();
        released.reader.setMaxMessageBytes(o.maxMessageBytes);
        return { kind: 'session', reader: released.reader, pending: released.frames, params: packet.params };
      }
      default:
        return packet satisfies never;
    }
  }
}
