import { readFile } from 'node:fs/promises';
import type { Client, ClientChannel } from 'ssh2';
import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import type { TerminalEvent } from '../../shared/bridge/terminal-bridge.ts';
import type { Logger } from '../log.ts';
import { parsePinnedHostKey } from '../ssh/host-key-pin.ts';
import { connectUpstreamSsh } from '../ssh/upstream-ssh.ts';
import { FlowWindow } from './terminal-flow-window.ts';
import { noticesIn, sessionWaitingRequestId, terminalEnding, type TerminalObservation } from './terminal-ending.ts';

/** Where a terminal logs in: the connection's SSH listener (see connectSsh). */
export interface TerminalListener {
  host: string;
  port: number;
  user: string;
  identityFile: string;
  hostKeyPublic: string;
}

export interface TerminalSessionOptions {
  id: string;
  connection: string;
  listener: TerminalListener;
  cols: number;
  rows: number;
  emit: (event: TerminalEvent) => void;
  /** The approval request the listener says the session waits for. */
  approval: (requestId: string) => Promise<ApprovalRequest>;
  /** Fallback when a waiting notice names no request: my pending session requests on this connection. */
  pendingSessionApprovals: () => Promise<ApprovalRequest[]>;
  /** Called once, after the closed event. */
  onEnded: (id: string) => void;
  log: Logger;
  flowWindowBytes?: number;
}

/** Output waiting to go out is sent at once past this size, so one event stays small. */
const MAX_EVENT_BYTES = 64 * 1024;
/** The listener's notices are short lines; keep only the tail of a runaway stderr. */
const MAX_STDERR_TAIL = 8 * 1024;
/** Keystrokes typed before the shell is open wait for it, up to this much (a paste, say). */
const MAX_EARLY_INPUT = 1024 * 1024;

/**
 * One in-app terminal: an ssh2 client logged in to the connection's SSH listener with the
 * listener's own key (so the session goes through the same policy, approvals, recording and
 * kill switch as an OpenSSH client), a shell with an xterm-256color pty, and the bytes carried
 * to the renderer under a flow window: past the window the channel is paused, which stops the
 * SSH window from being granted, which stops the remote program.
 */
export class TerminalSession {
  private readonly window: FlowWindow;
  private client: Client | null = null;
  private channel: ClientChannel | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private stderrTail = '';
  private waitingFor: string | null = null;
  private ended = false;
  private early: string[] = [];
  private earlyLength = 0;
  private size: { cols: number; rows: number };
  private readonly seen: TerminalObservation = {
    closedByUser: false,
    openFailure: null,
    exitStatus: null,
    exitSignal: null,
    sawShellOutput: false,
    lastNotice: null,
    connectionError: null,
  };

  constructor(private readonly o: TerminalSessionOptions) {
    this.window = new FlowWindow(o.flowWindowBytes);
    this.size = { cols: o.cols, rows: o.rows };
  }

  get id(): string {
    return this.o.id;
  }

  get connection(): string {
    return this.o.connection;
  }

  /** Bytes sent and not yet acknowledged (for tests and diagnostics). */
  get backlog(): number {
    return this.window.backlog;
  }

  get paused(): boolean {
    return this.window.paused;
  }

  /** Logs in and opens the shell; every outcome, failures included, arrives as events. */
  async start(): Promise<void> {
    let client: Client;
    let channel: ClientChannel;
    try {
      const pin = parsePinnedHostKey(this.o.listener.hostKeyPublic);
      const privateKey = await readFile(this.o.listener.identityFile);
      client = await connectUpstreamSsh({ host: this.o.listener.host, port: this.o.listener.port, username: this.o.listener.user, hostKey: pin, auth: { privateKey } });
      this.client = client;
      if (this.ended) {
        client.end();
        return;
      }
      channel = await new Promise<ClientChannel>((resolve, reject) => {
        client.shell({ term: 'xterm-256color', cols: this.size.cols, rows: this.size.rows, width: 0, height: 0 }, (err, stream) => (err ? reject(err) : resolve(stream)));
      });
    } catch (err) {
      this.seen.openFailure = `the terminal could not be opened: ${(err as Error).message}`;
      this.client?.end();
      this.finish();
      return;
    }
    if (this.ended) {
      channel.close();
      client.end();
      return;
    }
    this.channel = channel;
    client.on('error', (err: Error) => {
      this.seen.connectionError = err.message;
    });
    client.on('close', () => this.finish());
    channel.on('data', (chunk: Buffer) => {
      this.seen.sawShellOutput = true;
      this.output(chunk);
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      this.listenerSaid(chunk);
      this.output(chunk);
    });
    channel.on('exit', (code: number | null, signal?: string) => {
      if (code !== null) this.seen.exitStatus = code;
      else if (signal !== undefined) this.seen.exitSignal = signal;
    });
    channel.on('error', () => undefined);
    channel.on('close', () => {
      this.flush();
      client.end();
      this.finish();
    });
    this.o.emit({ kind: 'opened', terminalId: this.o.id, recorded: true });
    for (const data of this.early) channel.write(data);
    this.early = [];
  }

  /** Keystrokes typed while the shell is still opening are kept for it, in order. */
  input(data: string): void {
    if (this.ended) return;
    if (this.channel !== null) {
      this.channel.write(data);
      return;
    }
    if (this.earlyLength + data.length > MAX_EARLY_INPUT) throw new RangeError('the terminal is still opening; wait for it before typing more');
    this.early.push(data);
    this.earlyLength += data.length;
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.channel?.setWindow(rows, cols, 0, 0);
  }

  /** The renderer has written `bytes` more of this terminal's output. */
  acknowledge(bytes: number): void {
    if (this.window.acknowledged(bytes)) this.setPaused(false);
  }

  /** Ends it from our side: the person closed it, or the app session ended. */
  close(ending?: { reason: 'lost' | 'killed'; message: string }): void {
    if (this.ended) return;
    this.seen.closedByUser = ending === undefined;
    this.finish(ending);
    this.channel?.close();
    this.client?.end();
  }

  private output(chunk: Buffer): void {
    if (this.ended) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.window.sent(chunk.length)) this.setPaused(true);
    if (this.pendingBytes >= MAX_EVENT_BYTES) this.flush();
    else if (!this.flushScheduled) {
      // Chunks of one burst go out as one event.
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pendingBytes === 0) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.o.emit({ kind: 'output', terminalId: this.o.id, data: data.toString('base64'), bytes: data.length });
  }

  private setPaused(paused: boolean): void {
    const channel = this.channel;
    if (channel === null) return;
    if (paused) {
      channel.pause();
      channel.stderr.pause();
    } else {
      channel.resume();
      channel.stderr.resume();
    }
  }

  /** The listener's notices: remember the last (it explains an ending), and spot an approval wait. */
  private listenerSaid(chunk: Buffer): void {
    this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-MAX_STDERR_TAIL);
    const complete = this.stderrTail.lastIndexOf('\n');
    if (complete < 0) return;
    const lines = noticesIn(this.stderrTail.slice(0, complete));
    this.stderrTail = this.stderrTail.slice(complete + 1);
    for (const notice of lines) {
      this.seen.lastNotice = notice;
      if (/waiting for approval/.test(notice)) void this.announceWaiting(sessionWaitingRequestId(notice));
    }
  }

  private async announceWaiting(requestId: string | null): Promise<void> {
    if (requestId !== null && requestId === this.waitingFor) return;
    this.waitingFor = requestId;
    try {
      const request = requestId !== null ? await this.o.approval(requestId) : newest(await this.o.pendingSessionApprovals());
      if (request === undefined || this.ended) return;
      this.o.emit({ kind: 'waiting', terminalId: this.o.id, request });
    } catch (err) {
      this.o.log.warn({ terminal: this.o.id, request: requestId, err: (err as Error).message }, 'cannot read the approval request a terminal waits for');
    }
  }

  private finish(ending?: { reason: 'lost' | 'killed'; message: string }): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    const closed = ending === undefined ? terminalEnding(this.seen) : { ...ending, exitStatus: null };
    this.o.log.info({ terminal: this.o.id, connection: this.o.connection, reason: closed.reason, exitStatus: closed.exitStatus }, 'terminal closed');
    this.o.emit({ kind: 'closed', terminalId: this.o.id, ...closed });
    this.o.onEnded(this.o.id);
  }
}

function newest(requests: ApprovalRequest[]): ApprovalRequest | undefined {
  return [...requests].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
}
