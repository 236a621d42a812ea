import type { Socket } from 'node:net';
import tls from 'node:tls';
import { timingSafeEqual, createHash } from 'node:crypto';
import { readStartupPacket } from './startup-reader.ts';
import { HandshakeReader } from '../protocol/handshake-reader.ts';
import { FrameReader, type Frame } from '../protocol/frame-reader.ts';
import { FrontendCode } from '../protocol/message-codes.ts';
import { PayloadReader } from '../protocol/payload-reader.ts';
import { ProtocolError } from '../protocol/protocol-error.ts';
import { backend } from '../protocol/backend-messages.ts';
import { ScramServerSession, type ScramVerifier } from '../auth/scram-server.ts';
import type { AuthRateLimiter } from '../auth/auth-rate-limiter.ts';

/** Who may use one local listener: exactly one user name, one database, one secret. */
export interface ListenerCredentials {
  user: string;
  database: string;
  secret: string;
  verifier: ScramVerifier;
  /** SCRAM by default; cleartext only ever on loopback, where the bytes never leave the machine. */
  method: 'scram-sha-256' | 'password';
}

export interface ClientHandshakeOptions {
  credentials: ListenerCredentials;
  tlsContext: tls.SecureContext | null;
  requireTls: boolean;
  rateLimiter: AuthRateLimiter;
  handshakeTimeoutMs: number;
  maxMessageBytes: number;
  onCancel: (processId: number, secretKey: Buffer) => void;
  /** Once the client is on TLS, a refusal must be written to the TLS socket: plaintext would read as a TLS failure. */
  onTlsUpgrade?: (secure: tls.TLSSocket) => void;
}

export type ClientHandshakeResult =
  | { kind: 'session'; socket: Socket; reader: FrameReader; pending: Frame[]; params: Map<string, string> }
  | { kind: 'cancel' };

/** A refusal the client must see as a FATAL error with this SQLSTATE before the socket closes. */
export class ClientRefusal extends Error {
  constructor(
    message: string,
    readonly sqlstate: string,
  ) {
    super(message);
  }
}

/** Startup parameters a client may pass to the upstream session; anything else is dropped. */
// client_encoding is not among them: the upstream session is always UTF8, because the classifier
// reads SQL as UTF8 and a multibyte encoding such as SJIS would let the server tokenise a
// statement differently from the proxy.
const forwardedStartupParams = new Set(['application_name', 'DateStyle', 'TimeZone', 'extra_float_digits', 'IntervalStyle']);

function constantTimeEqual(a: string, b: string): boolean {
  // Hash first so lengths never leak through the comparison.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function upgradeToTls(socket: Socket, context: tls.SecureContext, deadline: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new ProtocolError('timed out during the TLS handshake', '08006'));
    }, Math.max(0, deadline - Date.now()));
    secure.once('secure', () => {
      clearTimeout(timer);
      resolve(secure);
    });
    secure.once('error', (e) => {
      clearTimeout(timer);
      reject(new ProtocolError(`TLS handshake failed: ${e.message}`, '08006'));
    });
  });
}

/**
 * The client side of session setup: TLS and GSS negotiation, cancel requests, the startup
 * packet, and authentication with the listener's secret.
 */
export async function clientHandshake(initial: Socket, o: ClientHandshakeOptions): Promise<ClientHandshakeResult> {
  const deadline = Date.now() + o.handshakeTimeoutMs;
  let socket: Socket = initial;
  let secure = false;
  let sslTried = false;
  for (;;) {
    const { packet, rest } = await readStartupPacket(socket, deadline);
    switch (packet.kind) {
      case 'ssl-request':
        if (sslTried) throw new ProtocolError('duplicate SSLRequest');
        sslTried = true;
        // Bytes sent before the TLS handshake would be trusted as if encrypted (CVE-2021-23222).
        if (rest.length > 0) throw new ProtocolError('received unencrypted data after SSL request');
        if (o.tlsContext === null) {
          socket.write('N');
          continue;
        }
        socket.write('S');
        socket = await upgradeToTls(socket, o.tlsContext, deadline);
        o.onTlsUpgrade?.(socket as tls.TLSSocket);
        secure = true;
        continue;
      case 'gssenc-request':
        if (rest.length > 0) throw new ProtocolError('received unencrypted data after GSSENC request');
        socket.write('N');
        continue;
      case 'cancel':
        o.onCancel(packet.processId, packet.secretKey);
        socket.destroy();
        return { kind: 'cancel' };
      case 'startup': {
        if (o.requireTls && !secure) throw new ClientRefusal('this listener requires TLS (sslmode=require)', '28000');
        if (rest.length > 0) throw new ProtocolError('unexpected data after the startup packet');
        const unknownOptions = [...packet.params.keys()].filter((k) => k.startsWith('_pq_.'));
        if (packet.minorVersion > 0 || unknownOptions.length > 0) {
          socket.write(backend.negotiateProtocolVersion(0, unknownOptions));
        }
        const user = packet.params.get('user')!;
        const database = packet.params.get('database') ?? user;
        if (packet.params.has('replication') && packet.params.get('replication') !== 'false') {
          throw new ClientRefusal('replication connections are not allowed through Gatehouse', '28000');
        }
        const remote = `${socket.remoteAddress ?? '?'}`;
        const limit = o.rateLimiter.check(remote);
        if (!limit.allowed) {
          throw new ClientRefusal(`too many failed authentication attempts; retry in ${Math.ceil(limit.retryAfterMs / 1000)} s`, '28P01');
        }
        const reader = new HandshakeReader(socket, new FrameReader({ maxMessageBytes: 64 * 1024, peer: 'client' }), 'client');
        socket.resume();
        const ok = await authenticate(socket, reader, o.credentials, deadline);
        const userMatches = user === o.credentials.user;
        if (!ok || !userMatches) {
          o.rateLimiter.recordFailure(remote);
          throw new ClientRefusal(`password authentication failed for user "${user}"`, '28P01');
        }
        if (database !== o.credentials.database) {
          throw new ClientRefusal(`database "${database}" is not available on this listener (use "${o.credentials.database}")`, '3D000');
        }
        o.rateLimiter.recordSuccess(remote);
        socket.pause();
        const released = reader.release();
        const params = new Map<string, string>();
        for (const [k, v] of packet.params) if (forwardedStartupParams.has(k)) params.set(k, v);
        released.reader.setMaxMessageBytes(o.maxMessageBytes);
        return { kind: 'session', socket, reader: released.reader, pending: released.frames, params };
      }
      default:
        return packet satisfies never;
    }
  }
}

async function authenticate(socket: Socket, reader: HandshakeReader, c: ListenerCredentials, deadline: number): Promise<boolean> {
  const expectPassword = async (): Promise<Buffer> => {
    const f = await reader.next(deadline);
    if (f.type !== FrontendCode.Password) throw new ProtocolError(`expected a password response, got message type '${String.fromCharCode(f.type)}'`);
    return f.payload;
  };
  if (c.method === 'password') {
    socket.write(backend.authenticationCleartextPassword());
    const r = new PayloadReader(await expectPassword(), 'PasswordMessage');
    const given = r.cstring();
    r.end();
    return constantTimeEqual(given, c.secret);
  }
  const scram = new ScramServerSession(c.verifier);
  socket.write(backend.authenticationSasl(['SCRAM-SHA-256']));
  const initial = new PayloadReader(await expectPassword(), 'SASLInitialResponse');
  const mechanism = initial.cstring();
  const len = initial.int32();
  const data = len < 0 ? Buffer.alloc(0) : initial.bytes(len);
  initial.end();
  const first = scram.handleClientFirst(mechanism, data);
  if (!first.ok) {
    if (first.sqlState !== '28P01') throw new ClientRefusal(first.reason, first.sqlState);
    return false;
  }
  socket.write(backend.authenticationSaslContinue(first.serverFirst));
  const final = scram.handleClientFinal(await expectPassword());
  if (!final.ok) {
    if (final.sqlState !== '28P01') throw new ClientRefusal(final.reason, final.sqlState);
    return false;
  }
  socket.write(backend.authenticationSaslFinal(final.serverFinal));
  return true;
}
