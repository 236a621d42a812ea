import type { Client, ClientChannel, PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import type { AuditDecision } from '../../shared/audit/audit-event.ts';
import { evaluateSshExec, sshEnvAllowed } from '../../shared/policy/ssh-evaluate.ts';
import type { CommandTransfer } from '../../shared/policy/ssh-command-line.ts';
import { SpoolUnavailableError } from '../audit/spool-unavailable-error.ts';
import { ended, flushed, relay } from './channel-pipe.ts';
import type { SessionRecorder } from './session-recorder.ts';
import { SftpAuditTap, type SftpFileRecord } from './sftp-audit-tap.ts';
import { describeOffline, describeWaiting } from './ssh-approval-gate.ts';
import type { SshAuditKind, SshAuditFields } from './ssh-audit.ts';
import type { SshListenerRuntime } from './ssh-listener-runtime.ts';
import { UpstreamSshError } from './upstream-ssh.ts';

/** What a channel needs from the SSH session (client connection) that carries it. */
export interface ChannelHost {
  readonly id: string;
  readonly runtime: SshListenerRuntime;
  /** Aborted when the session ends: stop waiting for anything. */
  readonly signal: AbortSignal;
  upstream(): Promise<Client>;
  /** Resolves once the session may open channels (JIT approval), or with the reason it may not. */
  approveSession(say: (text: string) => void): Promise<{ ok: true } | { ok: false; reason: string }>;
  audit(kind: SshAuditKind, fields: SshAuditFields): Promise<void>;
  /** Any byte in either direction: the session is not idle. */
  touch(): void;
  channelClosed(channel: SessionChannel, exitStatus: number | null): void;
}

type ChannelRequest = { kind: 'shell' } | { kind: 'exec'; command: string } | { kind: 'subsystem'; name: string };

interface Verdict {
  decision: AuditDecision;
  rule: string | null;
  /** Set when the request must not run; shown to the client. */
  refusal: string | null;
  approvalRequestId?: string;
  transfer: CommandTransfer | null;
}

interface ExitInfo {
  code: number | null;
  signal?: string;
  dump?: boolean;
  desc?: string;
}

/**
 * One SSH "session" channel: collects the pty and environment requests, judges the shell,
 * exec or subsystem request against the policy, then relays it to an upstream channel of
 * the same kind — data both ways with flow control, stderr, window changes, signals, EOF,
 * exit status and close — feeding the recorder and, for file transfers, the audit.
 */
export class SessionChannel {
  private pty: PseudoTtyInfo | null = null;
  private readonly env: Record<string, string> = {};
  private client: ServerChannel | null = null;
  private upstream: ClientChannel | null = null;
  private recorder: SessionRecorder | null = null;
  private tap: SftpAuditTap | null = null;
  private transfer: { info: CommandTransfer; sent: number; received: number } | null = null;
  private exit: ExitInfo | null = null;
  private started = false;
  private finished = false;

  constructor(
    private readonly host: ChannelHost,
    readonly number: number,
    session: Session,
  ) {
    const log = host.runtime.log;
    // ssh2 passes no accept/reject when the client asked for no reply.
    session.on('pty', (accept?: () => void, reject?: () => void, info?: PseudoTtyInfo) => {
      if (this.started || info === undefined) return reject?.();
      this.pty = info;
      accept?.();
    });
    session.on('env', (accept?: () => void, reject?: () => void, info?: { key: string; val: string }) => {
      if (this.started || info === undefined) return reject?.();
      if (!sshEnvAllowed(host.runtime.policy, info.key)) {
        log.info({ session: host.id, name: info.key }, 'environment variable refused by the policy');
        return reject?.();
      }
      this.env[info.key] = info.val;
      accept?.();
    });
    session.on('window-change', (accept?: () => void, _reject?: () => void, info?: { cols: number; rows: number; width: number; height: number }) => {
      if (info !== undefined) {
        if (this.pty !== null) this.pty = { ...this.pty, cols: info.cols, rows: info.rows, width: info.width, height: info.height };
        this.upstream?.setWindow(info.rows, info.cols, info.height, info.width);
        this.recorder?.resize(info.cols, info.rows);
      }
      accept?.();
    });
    session.on('signal', (accept?: () => void, reject?: () => void, info?: { name: string }) => {
      if (this.upstream === null || info === undefined) return reject?.();
      try {
        this.upstream.signal(info.name);
        accept?.();
      } catch {
        reject?.();
      }
    });
    // Agent and X11 forwarding would hand the remote host a way back into this machine.
    session.on('x11', (_accept?: () => void, reject?: () => void) => reject?.());
    session.on('auth-agent', (_accept?: () => void, reject?: () => void) => reject?.());
    // Accepted at once so that data the client sends right behind the request is buffered
    // (under flow control) by the channel instead of being dropped; judged afterwards.
    session.on('shell', (accept: () => ServerChannel) => this.begin(accept(), { kind: 'shell' }));
    session.on('exec', (accept: () => ServerChannel, _reject: () => void, info: { command: string }) => this.begin(accept(), { kind: 'exec', command: info.command }));
    session.on('subsystem', (accept: () => ServerChannel, _reject: () => void, info: { name: string }) => this.begin(accept(), { kind: 'subsystem', name: info.name }));
    session.on('close', () => this.clientClosed());
  }

  /** Ends the channel from our side: tells the person why, then closes it (no exit status). */
  async terminate(reason: string): Promise<void> {
    this.recorder?.marker(reason);
    this.upstream?.close();
    const client = this.client;
    if (client !== null && !this.finished) {
      this.say(`gatehouse: ${reason}`);
      await flushed(client.stderr);
      client.end();
    }
  }

  private get newline(): string {
    return this.pty === null ? '\n' : '\r\n';
  }

  private say(text: string): void {
    const client = this.client;
    if (client === null || !client.stderr.writable) return;
    const bytes = Buffer.from(`${this.pty === null ? '' : '\r\n'}${text}${this.newline}`, 'utf8');
    client.stderr.write(bytes);
    this.recorder?.output(bytes);
  }

  private begin(stream: ServerChannel | undefined, request: ChannelRequest): void {
    if (stream === undefined) return;
    this.client = stream;
    this.started = true;
    stream.on('error', () => undefined);
    stream.stderr.on('error', () => undefined);
    stream.once('close', () => this.clientClosed());
    this.run(stream, request).catch((error: unknown) => {
      if (error instanceof UpstreamSshError) return this.refuse(`gatehouse: ${error.message}`, 255);
      if (error instanceof SpoolUnavailableError) {
        return this.refuse(`gatehouse: the audit spool cannot be written (${error.code}); nothing runs unaudited`, 1);
      }
      this.host.runtime.log.error({ session: this.host.id, err: (error as Error).message }, 'ssh channel failed');
      return this.refuse('gatehouse: internal error; the channel was closed', 255);
    });
  }

  private async run(stream: ServerChannel, request: ChannelRequest): Promise<void> {
    const upstreamClient = await this.host.upstream();
    if (this.finished) return;
    const session = await this.host.approveSession((text) => this.say(text));
    if (this.finished) return;
    if (!session.ok) {
      await this.host.audit('ssh_exec', { decision: 'block', ssh: { ...this.describe(request), endReason: session.reason } });
      return this.refuse(session.reason, 1);
    }
    const verdict = await this.judge(request);
    if (this.finished) return;
    // The record precedes execution: if the broker dies right after forwarding, it is on file.
    await this.host.audit('ssh_exec', {
      decision: verdict.decision,
      rule: verdict.rule,
      ...(verdict.approvalRequestId === undefined ? {} : { approvalRequestId: verdict.approvalRequestId }),
      ssh: { ...this.describe(request), ...(verdict.refusal === null ? {} : { endReason: verdict.refusal }) },
    });
    if (verdict.refusal !== null) return this.refuse(verdict.refusal, 1);
    const upstream = await this.open(upstreamClient, request);
    if (upstream === null) return;
    if (this.finished) {
      upstream.close();
      return;
    }
    this.wire(stream, upstream, request, verdict.transfer);
  }

  private describe(request: ChannelRequest): SshAuditFields['ssh'] {
    const pty = this.pty === null ? {} : { pty: { term: this.pty.term, cols: this.pty.cols, rows: this.pty.rows } };
    switch (request.kind) {
      case 'shell':
        return { channel: this.number, request: 'shell', ...pty };
      case 'exec':
        return { channel: this.number, request: 'exec', command: request.command, ...pty };
      case 'subsystem':
        return { channel: this.number, request: 'subsystem', command: request.name };
      default:
        return request satisfies never;
    }
  }

  private async judge(request: ChannelRequest): Promise<Verdict> {
    const settings = this.host.runtime.settings;
    switch (request.kind) {
      case 'shell':
        return settings.shellAllowed
          ? { decision: 'allow', rule: null, refusal: null, transfer: null }
          : {
              decision: 'block',
              rule: null,
              refusal: 'gatehouse: interactive shells are not allowed on this connection (policy ssh.shell.allow is false); run a command instead: ssh <host> <command>',
              transfer: null,
            };
      case 'subsystem': {
        if (request.name !== 'sftp') {
          return { decision: 'block', rule: null, refusal: `gatehouse: the "${request.name}" subsystem is not allowed through Gatehouse`, transfer: null };
        }
        if (!settings.sftpAllowed) {
          return { decision: 'block', rule: null, refusal: 'gatehouse: file transfer (sftp) is not allowed on this connection (policy ssh.sftp.allow is false)', transfer: null };
        }
        return { decision: 'allow', rule: null, refusal: null, transfer: null };
      }
      case 'exec': {
        const decision = evaluateSshExec(this.host.runtime.policy, request.command);
        switch (decision.action) {
          case 'allow':
            return { decision: 'allow', rule: decision.ruleName, refusal: null, transfer: decision.transfer };
          case 'block':
            return { decision: 'block', rule: decision.ruleName, refusal: `gatehouse: ${decision.message}`, transfer: decision.transfer };
          case 'approve':
            return this.awaitExecApproval(request.command, decision.ruleName, decision.message, decision.approvers, decision.transfer);
          default:
            return decision.action satisfies never;
        }
      }
      default:
        return request satisfies never;
    }
  }

  private async awaitExecApproval(command: string, rule: string | null, message: string, approvers: string[], transfer: CommandTransfer | null): Promise<Verdict> {
    const gate = this.host.runtime.approvals;
    if (gate === null) return { decision: 'block', rule, refusal: describeOffline('this command', approvers), transfer };
    this.say(`gatehouse: ${message}`);
    let requestId: string | undefined;
    const outcome = await gate.requestExec(
      { connection: this.host.runtime.connection, sessionId: this.host.id, rule, approvers, message, command },
      {
        signal: this.host.signal,
        pending: (id) => {
          requestId = id;
          this.say(describeWaiting('this command', approvers, id));
        },
      },
    );
    const id = outcome.requestId ?? requestId;
    const withId = id === undefined ? {} : { approvalRequestId: id };
    if (!outcome.approved) return { decision: 'block', rule, refusal: `gatehouse: ${outcome.reason}`, transfer, ...withId };
    this.say(`gatehouse: approved${id === undefined ? '' : ` (request ${id})`}: ${outcome.reason}`);
    return { decision: 'approve', rule, refusal: null, transfer, ...withId };
  }

  private open(upstream: Client, request: ChannelRequest): Promise<ClientChannel | null> {
    const pty = this.pty === null ? null : { rows: this.pty.rows, cols: this.pty.cols, height: this.pty.height, width: this.pty.width, term: this.pty.term, modes: this.pty.modes };
    return new Promise<ClientChannel | null>((resolve) => {
      const done = (error: Error | undefined, channel: ClientChannel): void => {
        if (error !== undefined) {
          void this.refuse(`gatehouse: the upstream refused the ${request.kind}: ${error.message}`, 255);
          resolve(null);
        } else resolve(channel);
      };
      try {
        switch (request.kind) {
          case 'shell':
            upstream.shell(pty ?? false, { env: this.env }, done);
            return;
          case 'exec':
            upstream.exec(request.command, { env: this.env, pty: pty ?? false }, done);
            return;
          case 'subsystem':
            upstream.subsys(request.name, done);
            return;
          default:
            return request satisfies never;
        }
      } catch (error) {
        // ssh2 throws synchronously when the upstream connection is already gone.
        done(error as Error, undefined as unknown as ClientChannel);
      }
    });
  }

  private wire(client: ServerChannel, upstream: ClientChannel, request: ChannelRequest, transfer: CommandTransfer | null): void {
    const runtime = this.host.runtime;
    this.upstream = upstream;
    upstream.on('error', () => undefined);
    if (request.kind === 'subsystem') {
      this.tap = new SftpAuditTap((record) => this.auditTransfer('sftp', record));
    } else if (transfer !== null) {
      this.transfer = { info: transfer, sent: 0, received: 0 };
    } else {
      // File transfers are binary and audited on their own; terminals and commands are recorded.
      this.recorder = runtime.recorders({
        sessionId: this.host.id,
        user: runtime.actor.user,
        connection: runtime.connection,
        host: runtime.hostLabel,
        channel: this.number,
        kind: request.kind,
        command: request.kind === 'exec' ? request.command : null,
      });
      // `ssh -tt` from a script asks for a pty of 0x0; a recording needs a real size.
      const cols = this.pty !== null && this.pty.cols > 0 ? this.pty.cols : 80;
      const rows = this.pty !== null && this.pty.rows > 0 ? this.pty.rows : 24;
      this.recorder.start({ width: cols, height: rows, env: this.pty === null ? {} : { TERM: this.pty.term } });
    }
    const recordInput = runtime.settings.recordInput;
    relay(client, upstream, (chunk) => {
      this.host.touch();
      if (recordInput) this.recorder?.input(chunk);
      if (this.transfer !== null) this.transfer.sent += chunk.length;
      return this.follow(() => this.tap?.fromClient(chunk));
    });
    relay(upstream, client, (chunk) => {
      this.host.touch();
      this.recorder?.output(chunk);
      if (this.transfer !== null) this.transfer.received += chunk.length;
      return this.follow(() => this.tap?.fromServer(chunk));
    });
    relay(upstream.stderr, client.stderr, (chunk) => {
      this.host.touch();
      this.recorder?.output(chunk);
      return true;
    });
    // EOF from the client: the remote's stdin ends once everything before it was written.
    client.once('end', () => upstream.end());
    upstream.on('exit', (code: number | null, signal?: string, dump?: boolean, desc?: string) => {
      this.exit = code === null ? { code: null, signal, dump, desc } : { code };
    });
    // The remote's EOF is not passed on by itself: ssh2 cannot send exit-status after EOF,
    // and sshd sends its EOF before the status. At close the client gets the status, then EOF.
    upstream.once('close', (code?: number | null, signal?: string, dump?: boolean, desc?: string) => {
      // A command that ends at once (`ssh host true`) can have its exit-status read together with
      // the exec's reply, before these listeners exist; ssh2 repeats the status on close.
      if (this.exit === null && code !== undefined) this.exit = code === null ? { code: null, signal, dump, desc } : { code };
      void this.upstreamClosed(client, upstream);
    });
  }

  /** Runs the SFTP tap; a stream it cannot follow stops the transfer (false: drop the chunk). */
  private follow(step: () => void): boolean {
    try {
      step();
      return true;
    } catch (error) {
      this.tap = null;
      this.host.runtime.log.warn({ session: this.host.id, err: (error as Error).message }, 'sftp stream not auditable; stopping it');
      void this.refuse(`gatehouse: the file transfer could not be audited (${(error as Error).message}); it was stopped`, 1);
      return false;
    }
  }

  private async upstreamClosed(client: ServerChannel, upstream: ClientChannel): Promise<void> {
    await ended(upstream.stderr);
    await Promise.all([flushed(client), flushed(client.stderr)]);
    const exit = this.exit;
    try {
      if (exit?.code !== null && exit?.code !== undefined) client.exit(exit.code);
      else if (exit?.signal !== undefined) client.exit(exit.signal, exit.dump ?? false, exit.desc ?? '');
    } catch {
      // A signal name ssh2 does not know: the client sees the channel close without a status.
    }
    client.end();
    void this.finish(exit?.code ?? null);
  }

  private async refuse(message: string, status: number): Promise<void> {
    const client = this.client;
    if (client === null || this.finished) return;
    this.say(message);
    await flushed(client.stderr);
    try {
      client.exit(status);
    } catch {
      // The channel is already closing.
    }
    client.end();
    void this.finish(status);
  }

  private clientClosed(): void {
    this.upstream?.close();
    void this.finish(this.exit?.code ?? null);
  }

  private async finish(exitStatus: number | null): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const log = this.host.runtime.log;
    this.tap?.finish();
    const transfer = this.transfer;
    if (transfer !== null) {
      const bytes = transfer.sent + transfer.received;
      const op = transfer.info.direction === 'unknown' ? 'transfer' : transfer.info.direction;
      await this.auditTransferRecord(transfer.info.protocol, { op, path: transfer.info.path, bytes });
    }
    this.host.channelClosed(this, exitStatus);
    if (this.recorder !== null) {
      await this.recorder.end(exitStatus).catch((error: unknown) => log.warn({ session: this.host.id, err: (error as Error).message }, 'recording did not end cleanly'));
    }
  }

  private auditTransfer(protocol: 'sftp', record: SftpFileRecord): void {
    void this.auditTransferRecord(protocol, record);
  }

  private async auditTransferRecord(protocol: 'sftp' | 'scp' | 'rsync', record: SftpFileRecord): Promise<void> {
    try {
      await this.host.audit('ssh_transfer', {
        decision: 'allow',
        ssh: { channel: this.number, request: protocol === 'sftp' ? 'subsystem' : 'exec', transfer: { protocol, ...record } },
      });
    } catch (error) {
      // The transfer already happened; all that is left is to stop further ones.
      this.host.runtime.log.error({ session: this.host.id, err: (error as Error).message }, 'could not audit a file transfer; closing the channel');
      this.upstream?.close();
      this.client?.close();
    }
  }
}
