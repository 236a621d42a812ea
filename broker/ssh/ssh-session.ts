import { randomUUID } from 'node:crypto';
import type { Channel, Client, ClientChannel, Connection, ServerChannel, Session, TcpConnectionDetails, TcpipBindInfo, TcpipRequestInfo } from 'ssh2';
import { relay } from './channel-pipe.ts';
import { SessionChannel, type ChannelHost } from './session-channel.ts';
import { describeOffline, describeWaiting } from './ssh-approval-gate.ts';
import { SshAuditor, type SshAuditFields, type SshAuditKind } from './ssh-audit.ts';
import type { SshListenerRuntime } from './ssh-listener-runtime.ts';
import { connectUpstreamSsh, UpstreamSshError } from './upstream-ssh.ts';

export interface SshSessionInfo {
  id: string;
  user: string;
  remoteUser: string;
  host: string;
  peer: string;
  startedAt: Date;
  lastActivityAt: Date;
  openChannels: number;
}

type Approval = { ok: true } | { ok: false; reason: string };

// A kill must land within a second: the goodbye message gets this long to reach the client,
// the client this long to leave by itself once its channels closed (OpenSSH prints what it
// received before exiting then; a disconnect can cut that output short), then it is cut off.
const GOODBYE_FLUSH_MS = 300;
const CLIENT_LEAVE_MS = 300;
const SOCKET_GRACE_MS = 300;
const MAX_TIMER_MS = 2_147_483_647;

/**
 * One client connection to an SSH listener, from authentication to disconnect: the upstream
 * connection opened for it, its channels, the session-level controls (JIT approval window,
 * idle timeout, maximum length, kill) and its start and end audit events.
 */
export class SshSession implements ChannelHost {
  readonly id = randomUUID();
  readonly startedAt = new Date();
  private readonly abort = new AbortController();
  private readonly channels = new Set<SessionChannel>();
  private readonly auditor: SshAuditor;
  private readonly ready: Promise<Client>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pendingAudits = new Set<Promise<void>>();
  private upstreamClient: Client | null = null;
  private channelCount = 0;
  private lastActivity = Date.now();
  private approval: Promise<Approval> | null = null;
  private approvalWaiters: ((text: string) => void)[] = [];
  private approvalNotice: string | null = null;
  private sessionApprovalId: string | null = null;
  private endReason: string | null = null;
  private closed = false;
  private readonly gone: Promise<void>;
  private lastExit: number | null = null;

  constructor(
    readonly runtime: SshListenerRuntime,
    private readonly client: Connection,
    private readonly peer: string,
    private readonly destroySocket: () => void,
    private readonly onClosed: (session: SshSession) => void,
  ) {
    this.auditor = new SshAuditor(
      runtime.spool,
      { actor: runtime.actor, connection: runtime.connection, sessionId: this.id, host: runtime.hostLabel, remoteUser: runtime.upstream.username },
      runtime.log,
    );
    this.gone = new Promise((resolve) => client.once('close', () => resolve()));
    this.ready = this.openUpstream();
    this.ready.catch(() => undefined);
    client.on('session', (accept: () => Session) => {
      const session = accept();
      const channel = new SessionChannel(this, this.channelCount++, session);
      this.channels.add(channel);
    });
    client.on('tcpip', (accept: () => ServerChannel, reject: () => void, info: TcpipRequestInfo) => void this.directTcpip(accept, reject, info));
    client.on('openssh.streamlocal', (_accept: () => ServerChannel, reject: () => void, info: { socketPath: string }) => {
      reject();
      this.auditDenied('streamlocal', info.socketPath, 'Unix socket forwarding is not available through Gatehouse');
    });
    client.on('request', (accept: ((port?: number) => void) | undefined, reject: (() => void) | undefined, name: string, info: TcpipBindInfo & { socketPath?: string }) =>
      this.globalRequest(accept, reject, name, info),
    );
    client.on('error', (error: Error) => runtime.log.debug({ session: this.id, err: error.message }, 'client connection error'));
    client.on('close', () => void this.clientClosed());
    this.armTimers();
    runtime.log.info({ session: this.id, peer, to: runtime.hostLabel }, 'ssh session opened');
  }

  /** True from the moment the session starts ending. */
  get ending(): boolean {
    return this.endReason !== null;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  info(): SshSessionInfo {
    return {
      id: this.id,
      user: this.runtime.actor.user,
      remoteUser: this.runtime.upstream.username,
      host: this.runtime.hostLabel,
      peer: this.peer,
      startedAt: this.startedAt,
      lastActivityAt: new Date(this.lastActivity),
      openChannels: this.channels.size,
    };
  }

  upstream(): Promise<Client> {
    return this.ready;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  audit(kind: SshAuditKind, fields: SshAuditFields): Promise<void> {
    const withApproval = fields.approvalRequestId === undefined && this.sessionApprovalId !== null ? { ...fields, approvalRequestId: this.sessionApprovalId } : fields;
    const written = this.auditor.record(kind, withApproval);
    const tracked = written.catch(() => undefined);
    this.pendingAudits.add(tracked);
    void tracked.then(() => this.pendingAudits.delete(tracked));
    return written;
  }

  channelClosed(channel: SessionChannel, exitStatus: number | null): void {
    this.channels.delete(channel);
    if (exitStatus !== null) this.lastExit = exitStatus;
  }

  approveSession(say: (text: string) => void): Promise<Approval> {
    const approval = this.runtime.settings.sessionApproval;
    if (approval === null) return Promise.resolve({ ok: true });
    const window = this.runtime.sessionWindow;
    if (this.approval === null && window !== null && window.expiresAt > Date.now()) {
      this.sessionApprovalId = window.requestId;
      this.armWindow(window.expiresAt);
      this.approval = Promise.resolve({ ok: true });
    }
    if (this.approvalNotice !== null) say(this.approvalNotice);
    this.approvalWaiters.push(say);
    this.approval ??= this.requestSessionApproval(approval.approvers, approval.durationMs, approval.message);
    return this.approval;
  }

  /** Ends the session from our side (kill switch, timeouts, approval window): every channel is told why. */
  async end(reason: string): Promise<void> {
    if (this.endReason !== null) return;
    this.endReason = reason;
    this.runtime.log.info({ session: this.id, reason }, 'ending ssh session');
    this.abort.abort();
    const goodbyes = Promise.all([...this.channels].map((channel) => channel.terminate(reason)));
    await Promise.race([goodbyes, delay(GOODBYE_FLUSH_MS)]);
    await Promise.race([this.gone, delay(CLIENT_LEAVE_MS)]);
    this.client.end();
    this.upstreamClient?.end();
    setTimeout(() => this.destroySocket(), SOCKET_GRACE_MS).unref();
  }

  private async openUpstream(): Promise<Client> {
    const log = this.runtime.log;
    let upstream: Client;
    try {
      upstream = await connectUpstreamSsh(this.runtime.upstream, this.abort.signal);
    } catch (error) {
      const message = error instanceof UpstreamSshError ? error.message : `cannot open the upstream SSH session: ${(error as Error).message}`;
      log.error({ session: this.id, to: this.runtime.hostLabel, failure: error instanceof UpstreamSshError ? error.failure : 'unknown', reason: message }, 'upstream ssh connection refused');
      await this.audit('ssh_session_start', { decision: 'error', ssh: { endReason: message } }).catch(() => undefined);
      // Channels waiting on the upstream report the reason themselves; a client with none (ssh -N) is let go.
      const timer = setTimeout(() => void this.end(message), 1_500);
      timer.unref();
      this.timers.push(timer);
      throw error instanceof UpstreamSshError ? error : new UpstreamSshError(message, 'unreachable');
    }
    this.upstreamClient = upstream;
    if (this.endReason !== null || this.closed) {
      upstream.end();
      throw new UpstreamSshError('the session ended before the upstream connection was ready', 'unreachable');
    }
    upstream.on('error', (error: Error) => log.warn({ session: this.id, err: error.message }, 'upstream connection error'));
    upstream.on('close', () => void this.end('the upstream host closed the connection'));
    upstream.on('tcp connection', (details: TcpConnectionDetails, accept: () => ClientChannel, reject: () => void) => this.remoteForwarded(details, accept, reject));
    await this.audit('ssh_session_start', { decision: 'allow', ssh: {} });
    return upstream;
  }

  private async requestSessionApproval(approvers: string[], durationMs: number, message: string | null): Promise<Approval> {
    const gate = this.runtime.approvals;
    if (gate === null) return { ok: false, reason: describeOffline('this session', approvers) };
    const broadcast = (text: string): void => {
      for (const say of this.approvalWaiters) say(text);
    };
    let outcome;
    try {
      outcome = await gate.requestSession(
        { connection: this.runtime.connection, sessionId: this.id, rule: null, approvers, message: message ?? 'just-in-time access to an SSH session', durationMs },
        {
          signal: this.abort.signal,
          pending: (requestId) => {
            this.approvalNotice = describeWaiting('this session', approvers, requestId);
            broadcast(this.approvalNotice);
          },
        },
      );
    } catch (error) {
      return { ok: false, reason: `gatehouse: could not ask for approval of this session: ${(error as Error).message}` };
    }
    this.approvalNotice = null;
    if (!outcome.approved) return { ok: false, reason: `gatehouse: ${outcome.reason}` };
    const expiresAt = outcome.expiresAt?.getTime() ?? Date.now() + durationMs;
    this.sessionApprovalId = outcome.requestId ?? null;
    this.runtime.sessionWindow = { expiresAt, requestId: this.sessionApprovalId };
    this.armWindow(expiresAt);
    broadcast(`gatehouse: session approved${outcome.requestId === undefined ? '' : ` (request ${outcome.requestId})`}; it ends at ${new Date(expiresAt).toISOString()}`);
    return { ok: true };
  }

  private armWindow(expiresAt: number): void {
    const timer = setTimeout(() => void this.end('the approved session window has ended'), Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - Date.now())));
    timer.unref();
    this.timers.push(timer);
  }

  private armTimers(): void {
    const { idleTimeoutMs, maxSessionMs } = this.runtime.settings;
    if (maxSessionMs !== null) {
      const timer = setTimeout(() => void this.end(`the session reached its maximum length (${describeMs(maxSessionMs)})`), Math.min(MAX_TIMER_MS, maxSessionMs));
      timer.unref();
      this.timers.push(timer);
    }
    if (idleTimeoutMs !== null) {
      const timer = setInterval(
        () => {
          if (Date.now() - this.lastActivity >= idleTimeoutMs) void this.end(`the session was idle for ${describeMs(idleTimeoutMs)}`);
        },
        Math.max(50, Math.min(1_000, Math.floor(idleTimeoutMs / 4))),
      );
      timer.unref();
      this.timers.push(timer);
    }
  }

  private async directTcpip(accept: () => ServerChannel, reject: () => void, info: TcpipRequestInfo): Promise<void> {
    const target = `${info.destIP}:${info.destPort}`;
    if (!this.runtime.settings.portForwarding) {
      reject();
      this.auditDenied('direct-tcpip', target, 'port forwarding is not allowed on this connection (policy ssh.port_forwarding is false)');
      return;
    }
    try {
      const upstream = await this.ready;
      const approval = await this.approveSession(() => undefined);
      if (!approval.ok) {
        reject();
        this.auditDenied('direct-tcpip', target, approval.reason);
        return;
      }
      await this.audit('ssh_exec', { decision: 'allow', ssh: { request: 'direct-tcpip', command: target } });
      const remote = await new Promise<ClientChannel>((resolve, fail) =>
        upstream.forwardOut(info.srcIP, info.srcPort, info.destIP, info.destPort, (error, channel) => (error ? fail(error) : resolve(channel))),
      );
      const local = accept();
      this.splice(local, remote);
    } catch (error) {
      this.runtime.log.info({ session: this.id, target, err: (error as Error).message }, 'forwarded connection failed');
      reject();
    }
  }

  private globalRequest(accept: ((port?: number) => void) | undefined, reject: (() => void) | undefined, name: string, info: TcpipBindInfo & { socketPath?: string }): void {
    switch (name) {
      case 'tcpip-forward': {
        const target = `${info.bindAddr}:${info.bindPort}`;
        if (!this.runtime.settings.portForwarding) {
          reject?.();
          this.auditDenied('tcpip-forward', target, 'port forwarding is not allowed on this connection (policy ssh.port_forwarding is false)');
          return;
        }
        void this.remoteForward(accept, reject, info, target);
        return;
      }
      case 'cancel-tcpip-forward':
        this.upstreamClient?.unforwardIn(info.bindAddr, info.bindPort, (error) => (error ? reject?.() : accept?.()));
        if (this.upstreamClient === null) reject?.();
        return;
      case 'streamlocal-forward@openssh.com':
        reject?.();
        this.auditDenied('streamlocal', info.socketPath ?? '', 'Unix socket forwarding is not available through Gatehouse');
        return;
      default:
        reject?.();
    }
  }

  private async remoteForward(accept: ((port?: number) => void) | undefined, reject: (() => void) | undefined, info: TcpipBindInfo, target: string): Promise<void> {
    try {
      const upstream = await this.ready;
      const approval = await this.approveSession(() => undefined);
      if (!approval.ok) {
        reject?.();
        this.auditDenied('tcpip-forward', target, approval.reason);
        return;
      }
      await this.audit('ssh_exec', { decision: 'allow', ssh: { request: 'tcpip-forward', command: target } });
      const port = await new Promise<number>((resolve, fail) => upstream.forwardIn(info.bindAddr, info.bindPort, (error, bound) => (error ? fail(error) : resolve(bound))));
      accept?.(port);
    } catch (error) {
      this.runtime.log.info({ session: this.id, target, err: (error as Error).message }, 'remote forwarding failed');
      reject?.();
    }
  }

  private remoteForwarded(details: TcpConnectionDetails, accept: () => ClientChannel, reject: () => void): void {
    if (!this.runtime.settings.portForwarding || this.endReason !== null) return reject();
    this.client.forwardOut(details.destIP, details.destPort, details.srcIP, details.srcPort, (error, local) => {
      if (error) return reject();
      this.splice(local, accept());
    });
  }

  /** Joins two forwarded TCP channels, EOF and close included. */
  private splice(local: Channel, remote: Channel): void {
    local.on('error', () => undefined);
    remote.on('error', () => undefined);
    relay(local, remote, () => {
      this.touch();
      return true;
    });
    relay(remote, local, () => {
      this.touch();
      return true;
    });
    local.once('end', () => remote.end());
    remote.once('end', () => local.end());
    local.once('close', () => remote.close());
    remote.once('close', () => local.close());
  }

  private auditDenied(request: 'direct-tcpip' | 'tcpip-forward' | 'streamlocal', target: string, reason: string): void {
    this.runtime.log.info({ session: this.id, request, target }, 'forwarding refused');
    this.audit('ssh_exec', { decision: 'block', ssh: { request, command: target, endReason: reason } }).catch((error: unknown) =>
      this.runtime.log.error({ session: this.id, err: (error as Error).message }, 'could not audit a refused forwarding'),
    );
  }

  private async clientClosed(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.endReason ??= 'the client disconnected';
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.upstreamClient?.end();
    // Channels see the close in the same turn; let their final records (transfers) go first.
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([...this.pendingAudits]);
    await this.audit('ssh_session_end', {
      decision: 'allow',
      durationMs: Date.now() - this.startedAt.getTime(),
      ssh: { exitStatus: this.lastExit, endReason: this.endReason },
    }).catch((error: unknown) => this.runtime.log.error({ session: this.id, err: (error as Error).message }, 'could not audit the end of an ssh session'));
    this.runtime.log.info({ session: this.id, reason: this.endReason }, 'ssh session closed');
    this.onClosed(this);
  }
}

function describeMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
