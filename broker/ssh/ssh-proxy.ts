import net from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, Server } from 'ssh2';
import type { AuditActor } from '../../shared/audit/audit-event.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import { sshSettings } from '../../shared/policy/ssh-evaluate.ts';
import type { AuditSpool } from '../audit/audit-spool.ts';
import type { Logger } from '../log.ts';
import { LocalAuthenticator, type SshListenerCredentials } from './local-auth.ts';
import { noRecording, type RecorderFactory } from './session-recorder.ts';
import type { SshApprovalGate } from './ssh-approval-gate.ts';
import type { SshListenerRuntime } from './ssh-listener-runtime.ts';
import { SshSession, type SshSessionInfo } from './ssh-session.ts';
import { describeTarget, type SshUpstreamConfig } from './upstream-ssh.ts';

export interface SshProxyOptions {
  listenHost: string;
  /** 0 picks a free port. */
  listenPort: number;
  /** The listener's own host key (OpenSSH private key); see generateListenerKeys. */
  hostKey: string;
  credentials: SshListenerCredentials;
  upstream: SshUpstreamConfig;
  policy: PolicyDocument;
  /** The connection name in audit events and recordings (default: the policy's). */
  connection?: string;
  actor: AuditActor;
  /** null: events are only logged (tests, dry runs); a real listener always has one. */
  spool: AuditSpool | null;
  approvals?: SshApprovalGate | null;
  recorders?: RecorderFactory;
  log: Logger;
  maxConnections?: number;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The local SSH listener of one connection: OpenSSH clients (and the app's terminals) log in
 * with the listener's secret or key, and every session is relayed to the upstream host with
 * a leased credential and a pinned host key, under the connection's policy.
 */
export class SshProxy {
  private readonly sshServer: Server;
  private readonly authenticator: LocalAuthenticator;
  private readonly runtime: SshListenerRuntime;
  private readonly live = new Map<string, SshSession>();
  private readonly sockets = new Set<net.Socket>();
  private readonly maxConnections: number;
  private listener: net.Server | null = null;
  readonly hostKeyPublic: string;

  constructor(private readonly o: SshProxyOptions) {
    // The local leg carries the listener secret and the session in clear inside SSH to anyone
    // who can reach it; only this machine may.
    if (!isLoopback(o.listenHost)) throw new Error(`refusing to listen on ${o.listenHost}: the SSH listener only serves this machine (127.0.0.1)`);
    const parsed = ssh2.utils.parseKey(o.hostKey);
    if (parsed instanceof Error) throw new Error(`the listener host key cannot be read: ${parsed.message}`);
    this.hostKeyPublic = `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`;
    this.authenticator = new LocalAuthenticator(o.credentials);
    this.maxConnections = o.maxConnections ?? 50;
    this.runtime = {
      policy: o.policy,
      settings: sshSettings(o.policy),
      connection: o.connection ?? o.policy.connection,
      actor: o.actor,
      spool: o.spool,
      approvals: o.approvals ?? null,
      recorders: o.recorders ?? noRecording,
      upstream: o.upstream,
      hostLabel: describeTarget(o.upstream),
      log: o.log,
      sessionWindow: null,
    };
    this.sshServer = new ssh2.Server({ hostKeys: [o.hostKey], ident: 'Gatehouse' }, (client, info) => this.accept(client, info.ip));
  }

  async listen(): Promise<{ host: string; port: number }> {
    const listener = net.createServer({ noDelay: true }, (socket) => {
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      if (this.sockets.size >= this.maxConnections) {
        this.o.log.warn({ limit: this.maxConnections }, 'ssh connection limit reached; refusing a client');
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.sshServer.injectSocket(socket);
    });
    listener.on('error', (error) => this.o.log.error({ err: error.message }, 'ssh listener error'));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.o.listenPort, this.o.listenHost, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.listener = listener;
    const address = listener.address() as net.AddressInfo;
    return { host: address.address, port: address.port };
  }

  /**
   * A new policy version from the server: every session judges its next exec, env or
   * forwarding request, and its timeouts, by it. What a session was already allowed stays done.
   */
  updatePolicy(policy: PolicyDocument): void {
    this.runtime.policy = policy;
    this.runtime.settings = sshSettings(policy);
  }

  /** Live sessions, for the UI and the kill switch. */
  sessions(): SshSessionInfo[] {
    return [...this.live.values()].map((session) => session.info());
  }

  /**
   * The kill switch: ends a live session within a second, telling the person why. Returns
   * false when no such session is live (or it is already ending).
   */
  kill(sessionId: string, reason: string): boolean {
    const session = this.live.get(sessionId);
    if (session === undefined || session.ending) return false;
    void session.end(`session terminated: ${reason}`);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.live.values()].map((session) => session.end('the proxy is shutting down')));
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.listener === null ? resolve() : this.listener.close(() => resolve())));
  }

  private accept(client: Connection, peer: string): void {
    const log = this.o.log;
    client.on('error', (error: Error) => log.debug({ err: error.message }, 'ssh client error before authentication'));
    client.on('authentication', (ctx) => {
      const verdict = this.authenticator.handle(ctx, peer);
      if (verdict === 'rejected' && ctx.method !== 'none' && ctx.method !== 'publickey') log.warn({ peer, method: ctx.method, user: ctx.username }, 'local ssh authentication failed');
      if (verdict === 'rate-limited') log.warn({ peer }, 'local ssh authentication rate-limited');
    });
    client.once('ready', () => {
      // ssh2 announces a connection only after the version exchange and without its socket;
      // the kill switch needs the socket to cut off a client that ignores the disconnect.
      const socket = (client as unknown as { _sock?: net.Socket })._sock;
      const session = new SshSession(
        this.runtime,
        client,
        peer,
        () => socket?.destroy(),
        (closed) => this.live.delete(closed.id),
      );
      this.live.set(session.id, session);
    });
  }
}
