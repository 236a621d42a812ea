import net from 'node:net';
import tls from 'node:tls';
import { serialize } from 'pg-protocol';
import { FrameReader, type Frame } from '../protocol/frame-reader.ts';
import { HandshakeReader } from '../protocol/handshake-reader.ts';
import { BackendCode } from '../protocol/message-codes.ts';
import {
  decodeAuthentication,
  decodeBackendKeyData,
  decodeNoticeFields,
  decodeParameterStatus,
} from '../protocol/backend-decoders.ts';
import { ScramClientSession } from '../auth/scram-client.ts';
import { md5PasswordResponse } from '../auth/md5-password.ts';
import type { UpstreamAuthMethod, UpstreamConfig } from './upstream-config.ts';

/** Why an upstream connection failed, in words safe to show a client: never a credential. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    message: string,
    readonly sqlstate: string = '08001',
    /** The server's own error fields when it refused us, for the client to see. */
    readonly serverFields?: Map<string, string>,
  ) {
    super(message);
  }
}

export interface UpstreamConnection {
  socket: net.Socket;
  reader: FrameReader;
  /** Frames that arrived after ReadyForQuery in the same read; the relay handles them first. */
  pendingFrames: Frame[];
  parameters: Map<string, string>;
  backendKey: { processId: number; secretKey: Buffer } | null;
  tls: boolean;
}

export interface UpstreamStartup {
  /** Startup parameters passed through from the client (already filtered by the caller). */
  params: Map<string, string>;
  maxMessageBytes: number;
}

function connectTcp(c: UpstreamConfig): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: c.host, port: c.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UpstreamError(`timed out connecting to the upstream server after ${c.connectTimeoutMs} ms`));
    }, c.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new UpstreamError(`cannot reach the upstream server: ${e.code ?? e.message}`));
    });
  });
}

/** Sends SSLRequest and reads the one-byte answer, refusing any byte smuggled after it. */
function negotiateSsl(socket: net.Socket, deadline: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new UpstreamError('timed out waiting for the upstream TLS answer')), Math.max(0, deadline - Date.now()));
    const onData = (chunk: Buffer): void => {
      if (chunk.length !== 1) return done(new UpstreamError('upstream sent unexpected bytes with its TLS answer', '08P01'));
      if (chunk[0] === 0x53) return done(null, true);
      if (chunk[0] === 0x4e) return done(null, false);
      done(new UpstreamError('upstream sent an invalid answer to SSLRequest', '08P01'));
    };
    const onClose = (): void => done(new UpstreamError('upstream closed the connection during TLS negotiation'));
    function done(err: Error | null, ok?: boolean): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      socket.pause();
      if (err !== null) reject(err);
      else resolve(ok!);
    }
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onClose);
    socket.write(serialize.requestSsl());
  });
}

function startTls(socket: net.Socket, c: UpstreamConfig, deadline: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const verify = c.sslMode === 'verify-ca' || c.sslMode === 'verify-full';
    const secure = tls.connect({
      socket,
      servername: net.isIP(c.host) === 0 ? c.host : undefined,
      ca: c.caPem ?? undefined,
      rejectUnauthorized: verify,
      // verify-ca checks the chain only; verify-full also checks the host name (Node's default check).
      checkServerIdentity: c.sslMode === 'verify-full' ? (host, cert) => tls.checkServerIdentity(c.host || host, cert) : () => undefined,
    });
    secure.setNoDelay(true);
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new UpstreamError('timed out during the upstream TLS handshake'));
    }, Math.max(0, deadline - Date.now()));
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.removeAllListeners('error');
      resolve(secure);
    });
    secure.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new UpstreamError(`upstream TLS verification failed: ${e.code ?? ''} ${e.message}`.trim()));
    });
  });
}

function requireMethod(c: UpstreamConfig, method: UpstreamAuthMethod, asked: string): void {
  if (!c.allowedAuth.has(method)) {
    throw new UpstreamError(
      `the upstream server asked for ${asked} authentication, which the upstream URL does not allow (require_auth=${[...c.allowedAuth].join(',')})`,
      '28000',
    );
  }
}

/**
 * Opens an authenticated session on the real server: TCP, TLS per sslmode, startup, and
 * authentication with the leased credential, refusing any method the URL did not allow.
 */
export async function connectUpstream(c: UpstreamConfig, startup: UpstreamStartup): Promise<UpstreamConnection> {
  const deadline = Date.now() + c.connectTimeoutMs;
  let socket: net.Socket = await connectTcp(c);
  let secure = false;
  try {
    if (c.sslMode !== 'disable') {
      const accepted = await negotiateSsl(socket, deadline);
      if (accepted) {
        socket = await startTls(socket, c, deadline);
        secure = true;
      } else if (c.sslMode !== 'prefer') {
        throw new UpstreamError(`the upstream server does not support TLS, but sslmode=${c.sslMode} requires it`);
      }
    }
    const reader = new HandshakeReader(socket, new FrameReader({ maxMessageBytes: startup.maxMessageBytes, peer: 'upstream' }), 'upstream');
    socket.resume();
    const params: Record<string, string> = { user: c.user, database: c.database };
    for (const [k, v] of startup.params) params[k] = v;
    params['client_encoding'] = 'UTF8';
    socket.write(serialize.startup(params));

    const parameters = new Map<string, string>();
    let backendKey: UpstreamConnection['backendKey'] = null;
    let scram: ScramClientSession | null = null;
    // Set once we answered an md5 or cleartext request: AuthenticationOk then ends that exchange.
    let passwordSent = false;
    let authenticated = false;
    for (;;) {
      const frame = await reader.next(deadline);
      switch (frame.type) {
        case BackendCode.Authentication: {
          const req = decodeAuthentication(frame.payload);
          const password = c.password();
          switch (req.kind) {
            case 'ok':
              if (scram !== null && !authenticated) {
                // Without SASLFinal the server never proved it knows the password (mutual auth skipped).
                throw new UpstreamError('the upstream server ended SCRAM authentication without proving its identity', '08P01');
              }
              if (scram === null && !passwordSent) requireMethod(c, 'none', 'no');
              authenticated = true;
              break;
            case 'cleartext':
              requireMethod(c, 'password', 'cleartext password');
              if (!secure) throw new UpstreamError('refusing to send a cleartext password to the upstream server without TLS', '28000');
              if (password === null) throw new UpstreamError('the upstream server needs a password and none was configured', '28000');
              socket.write(serialize.password(password));
              passwordSent = true;
              break;
            case 'md5':
              requireMethod(c, 'md5', 'md5');
              if (password === null) throw new UpstreamError('the upstream server needs a password and none was configured', '28000');
              socket.write(serialize.password(md5PasswordResponse(c.user, password, req.salt)));
              passwordSent = true;
              break;
            case 'sasl': {
              requireMethod(c, 'scram-sha-256', 'SASL');
              if (password === null) throw new UpstreamError('the upstream server needs a password and none was configured', '28000');
              scram = new ScramClientSession(password);
              const mechanism = scram.chooseMechanism(req.mechanisms);
              if (mechanism === null) throw new UpstreamError(`the upstream server offered no SASL mechanism the proxy supports (${req.mechanisms.join(', ')})`, '28000');
              socket.write(serialize.sendSASLInitialResponseMessage(mechanism, scram.clientFirst().toString('utf8')));
              break;
            }
            case 'sasl-continue':
              if (scram === null) throw new UpstreamError('upstream sent SASLContinue out of order', '08P01');
              socket.write(serialize.sendSCRAMClientFinalMessage(scram.handleServerFirst(req.data).toString('utf8')));
              break;
            case 'sasl-final':
              if (scram === null) throw new UpstreamError('upstream sent SASLFinal out of order', '08P01');
              scram.verifyServerFinal(req.data);
              authenticated = true;
              break;
            case 'unsupported':
              throw new UpstreamError(`the upstream server asked for an unsupported authentication method (code ${req.code})`, '28000');
            default:
              return req satisfies never;
          }
          break;
        }
        case BackendCode.ParameterStatus: {
          const p = decodeParameterStatus(frame.payload);
          parameters.set(p.name, p.value);
          break;
        }
        case BackendCode.BackendKeyData:
          backendKey = decodeBackendKeyData(frame.payload);
          break;
        case BackendCode.ErrorResponse: {
          const fields = decodeNoticeFields(frame.payload);
          throw new UpstreamError(`upstream server refused the session: ${fields.get('M') ?? 'unknown error'}`, fields.get('C') ?? '08001', fields);
        }
        case BackendCode.NoticeResponse:
        case BackendCode.NegotiateProtocolVersion:
          break;
        case BackendCode.ReadyForQuery: {
          if (!authenticated) throw new UpstreamError('upstream became ready without authenticating', '08P01');
          socket.pause();
          const released = reader.release();
          return { socket, reader: released.reader, pendingFrames: released.frames, parameters, backendKey, tls: secure };
        }
        default:
          throw new UpstreamError(`upstream sent unexpected message '${String.fromCharCode(frame.type)}' during startup`, '08P01');
      }
    }
  } catch (e) {
    socket.destroy();
    if (e instanceof UpstreamError) throw e;
    throw new UpstreamError((e as Error).message);
  }
}

/** Sends a CancelRequest for an upstream backend on a fresh connection, as the protocol requires. */
export function sendUpstreamCancel(c: UpstreamConfig, key: { processId: number; secretKey: Buffer }): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: c.host, port: c.port });
    const packet = Buffer.alloc(12 + key.secretKey.length);
    packet.writeUInt32BE(packet.length, 0);
    packet.writeUInt32BE(80877102, 4);
    packet.writeInt32BE(key.processId, 8);
    key.secretKey.copy(packet, 12);
    const finish = (): void => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(5000, finish);
    socket.once('connect', () => socket.end(packet));
    socket.once('close', finish);
    socket.once('error', finish);
  });
}
