import net from 'node:net';
import tls from 'node:tls';
import { backend, type NoticeFields } from './protocol/backend-messages.ts';
import { ProtocolError } from './protocol/protocol-error.ts';
import { clientHandshake, ClientRefusal, type ListenerCredentials } from './client/client-handshake.ts';
import { connectUpstream, sendUpstreamCancel, UpstreamError } from './upstream/upstream-connect.ts';
import type { UpstreamConfig } from './upstream/upstream-config.ts';
import { CancelRegistry } from './cancel-registry.ts';
import { PgSession } from './relay/pg-session.ts';
import type { SessionPolicy } from './relay/session-policy.ts';
import { AuthRateLimiter } from './auth/auth-rate-limiter.ts';
import type { Logger } from '../log.ts';

export interface PgProxyOptions {
  listenHost: string;
  listenPort: number;
  upstream: UpstreamConfig;
  credentials: ListenerCredentials;
  /** PEM certificate and key for serving TLS to clients. */
  tls: { cert: string; key: string } | null;
  /** A fresh policy instance per session (policies keep per-session state such as prepared statements). */
  policyForSession: () => SessionPolicy;
  log: Logger;
  maxConnections?: number;
  idleTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  maxMessageBytes?: number;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The local PostgreSQL listener: one per connection a person opens through Gatehouse. */
export class PgProxy {
  private server: net.Server | null = null;
  private readonly cancels = new CancelRegistry();
  private readonly limiter = new AuthRateLimiter();
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<PgSession>();
  private readonly tlsContext: tls.SecureContext | null;
  private readonly o: Required<Omit<PgProxyOptions, 'tls'>> & { tls: PgProxyOptions['tls'] };

  constructor(o: PgProxyOptions) {
    this.o = { maxConnections: 100, idleTimeoutMs: 0, handshakeTimeoutMs: 15_000, maxMessageBytes: 256 * 1024 * 1024, ...o };
    if (!isLoopback(o.listenHost) && o.tls === null) {
      throw new Error(`refusing to listen on ${o.listenHost} without TLS: pass --tls-cert and --tls-key, or listen on 127.0.0.1`);
    }
    if (!isLoopback(o.listenHost) && o.credentials.method === 'password') {
      throw new Error('cleartext local authentication is only allowed on loopback');
    }
    this.tlsContext = o.tls === null ? null : tls.createSecureContext({ cert: o.tls.cert, key: o.tls.key });
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  async listen(): Promise<{ host: string; port: number }> {
    const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => this.accept(socket));
    server.on('error', (e) => this.o.log.error({ err: e.message }, 'listener error'));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.listenPort, this.o.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as net.AddressInfo;
    return { host: addr.address, port: addr.port };
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.close('proxy shutting down');
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server === null ? resolve() : this.server.close(() => resolve())));
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    if (this.sockets.size >= this.o.maxConnections) {
      this.o.log.warn({ limit: this.o.maxConnections }, 'connection limit reached; refusing a client');
      socket.end(backend.errorResponse({ severity: 'FATAL', code: '53300', message: `sorry, too many clients already (limit ${this.o.maxConnections})` }));
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.openSession(socket).catch((e: unknown) => {
      this.o.log.error({ err: (e as Error).message }, 'unexpected failure while opening a session');
      socket.destroy();
    });
  }

  private async openSession(raw: net.Socket): Promise<void> {
    const log = this.o.log;
    let client: net.Socket = raw;
    const refuse = (fields: NoticeFields): void => {
      if (!client.destroyed) client.end(backend.errorResponse(fields));
      setTimeout(() => client.destroy(), 1000).unref();
    };
    let handshake;
    try {
      handshake = await clientHandshake(raw, {
        credentials: this.o.credentials,
        tlsContext: this.tlsContext,
        requireTls: !isLoopback(this.o.listenHost),
        rateLimiter: this.limiter,
        handshakeTimeoutMs: this.o.handshakeTimeoutMs,
        maxMessageBytes: this.o.maxMessageBytes,
        onTlsUpgrade: (secure) => {
          client = secure;
        },
        onCancel: (pid, key) => {
          if (!this.cancels.cancel(pid, key)) log.info('cancel request for an unknown session ignored');
        },
      });
    } catch (e) {
      if (e instanceof ClientRefusal || e instanceof ProtocolError) {
        log.info({ code: e instanceof ClientRefusal ? e.sqlstate : e.sqlstate, reason: e.message }, 'client refused during startup');
        refuse({ severity: 'FATAL', code: e instanceof ClientRefusal ? e.sqlstate : e.sqlstate, message: e.message });
        return;
      }
      throw e;
    }
    if (handshake.kind === 'cancel') return;
    client = handshake.socket;
    const clientGone = new Promise<void>((resolve) => client.once('close', () => resolve()));
    let upstream;
    try {
      upstream = await Promise.race([
        connectUpstream(this.o.upstream, { params: handshake.params, maxMessageBytes: this.o.maxMessageBytes }),
        clientGone.then(() => null),
      ]);
    } catch (e) {
      const err = e instanceof UpstreamError ? e : new UpstreamError('cannot open the upstream session');
      log.warn({ code: err.sqlstate, reason: err.message }, 'upstream session failed');
      refuse({ severity: 'FATAL', code: err.sqlstate, message: `gatehouse: ${err.message}` });
      return;
    }
    if (upstream === null) return;
    if (client.destroyed) {
      upstream.socket.destroy();
      return;
    }
    const upstreamKey = upstream.backendKey;
    const greeting: Buffer[] = [backend.authenticationOk()];
    for (const [name, value] of upstream.parameters) greeting.push(backend.parameterStatus(name, value));
    let session: PgSession | null = null;
    const registration = this.cancels.register({
      cancel: () => {
        if (session?.cancelRequested() === true) return;
        if (upstreamKey !== null) void sendUpstreamCancel(this.o.upstream, upstreamKey);
      },
    });
    greeting.push(backend.backendKeyData(registration.processId, registration.secretKey));
    greeting.push(backend.readyForQuery('I'));
    client.write(Buffer.concat(greeting));
    session = new PgSession({
      client,
      clientReader: handshake.reader,
      clientPending: handshake.pending,
      upstream: upstream.socket,
      upstreamReader: upstream.reader,
      upstreamPending: upstream.pendingFrames,
      parameters: upstream.parameters,
      user: this.o.credentials.user,
      database: this.o.credentials.database,
      policy: this.o.policyForSession(),
      log,
      idleTimeoutMs: this.o.idleTimeoutMs,
      onClose: () => {
        registration.unregister();
        this.sessions.delete(session!);
      },
    });
    this.sessions.add(session);
    log.debug({ session: session.id }, 'session opened');
  }
}
