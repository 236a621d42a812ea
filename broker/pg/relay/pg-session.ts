import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { serialize } from 'pg-protocol';
import { framesOfRun, isFrameRun, type Frame, type FrameReader, type FrameRun } from '../protocol/frame-reader.ts';
import { decodeFrontendMessage, type FrontendMessage } from '../protocol/frontend-messages.ts';
import { backend, type NoticeFields } from '../protocol/backend-messages.ts';
import { decodeParameterStatus } from '../protocol/backend-decoders.ts';
import { BackendCode } from '../protocol/message-codes.ts';
import { ProtocolError } from '../protocol/protocol-error.ts';
import { ResponseTracker, type Expectation } from './response-tracker.ts';
import { ByteBatch } from './byte-batch.ts';
import { writeParts } from './write-parts.ts';
import type { SessionPolicy, SessionView, StatementEvent, StatementVerdict } from './session-policy.ts';
import type { Logger } from '../../log.ts';

/** Result frames that come by the thousand: they are read as runs, one object per run. */
const STREAMING_TYPES: ReadonlySet<number> = new Set([BackendCode.DataRow, BackendCode.CopyData]);

/** Results waiting for the next turn of the event loop are written at once beyond this size. */
const CLIENT_FLUSH_BYTES = 256 * 1024;

/** A portal name no client can create: executing it makes the upstream fail the way an error does. */
const REFUSED_PORTAL = 'gatehouse\u0001refused';

export interface PgSessionOptions {
  client: Socket;
  clientReader: FrameReader;
  clientPending: Frame[];
  upstream: Socket;
  upstreamReader: FrameReader;
  upstreamPending: Frame[];
  parameters: Map<string, string>;
  user: string;
  database: string;
  policy: SessionPolicy;
  log: Logger;
  idleTimeoutMs: number;
  onClose: () => void;
}

/**
 * Relays one client session to its upstream. Client messages go through the policy's decision
 * point one at a time, in order (a held statement holds everything behind it, as the server
 * would); upstream frames go through the tracker and the policy's rewrite point. Both
 * directions honour backpressure, so nothing is buffered beyond one chunk.
 */
export class PgSession implements SessionView {
  readonly id = randomUUID();
  readonly user: string;
  readonly database: string;
  readonly applicationName: string;
  readonly parameters: Map<string, string>;
  private readonly tracker = new ResponseTracker();
  private readonly client: Socket;
  private readonly upstream: Socket;
  private readonly clientReader: FrameReader;
  private readonly upstreamReader: FrameReader;
  private readonly policy: SessionPolicy;
  private readonly log: Logger;
  private readonly inbox: Frame[] = [];
  private readonly toUpstream = new ByteBatch();
  private readonly toClient = new ByteBatch();
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, string>();
  private holding = false;
  private closed = false;
  private readonly onCloseCallback: () => void;

  constructor(o: PgSessionOptions) {
    this.client = o.client;
    this.upstream = o.upstream;
    this.clientReader = o.clientReader;
    this.upstreamReader = o.upstreamReader;
    this.parameters = o.parameters;
    this.user = o.user;
    this.database = o.database;
    this.applicationName = o.parameters.get('application_name') ?? '';
    this.policy = o.policy;
    this.log = o.log;
    this.onCloseCallback = o.onClose;
    this.inbox.push(...o.clientPending);

    this.client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    this.upstream.on('data', (chunk: Buffer) => this.onUpstreamData(chunk));
    this.client.on('end', () => this.close('client ended the session'));
    this.client.on('close', () => this.close('client closed the connection'));
    this.client.on('error', (e) => this.close(`client connection error: ${e.message}`));
    this.upstream.on('end', () => this.upstreamLost('the upstream server closed the connection'));
    this.upstream.on('close', () => this.upstreamLost('the upstream server closed the connection'));
    this.upstream.on('error', (e) => this.upstreamLost(`upstream connection error: ${e.message}`));
    if (o.idleTimeoutMs > 0) {
      this.client.setTimeout(o.idleTimeoutMs, () => {
        if (this.tracker.pendingCount === 0 && !this.holding) {
          this.fatal({ severity: 'FATAL', code: '57P05', message: 'terminating connection due to idle timeout' });
        }
      });
    }
    if (o.upstreamPending.length > 0) this.handleUpstreamFrames(o.upstreamPending);
    this.client.resume();
    this.upstream.resume();
    this.pump();
  }

  get transactionStatus(): 'I' | 'T' | 'E' {
    return this.tracker.transactionStatus;
  }

  notice(fields: NoticeFields): void {
    if (this.closed) return;
    this.toClient.add(backend.noticeResponse(fields));
    this.flushClient();
  }

  /** A CancelRequest for this session arrived; returns true if the policy withdrew a held statement. */
  cancelRequested(): boolean {
    return this.policy.cancel?.(this) ?? false;
  }

  // ---- client → upstream -------------------------------------------------------------

  private onClientData(chunk: Buffer): void {
    try {
      for (const f of this.clientReader.push(chunk)) this.inbox.push(f);
    } catch (e) {
      this.fatalFromError(e, 'client');
      return;
    }
    this.pump();
  }

  private pump(): void {
    while (!this.holding && !this.closed && this.inbox.length > 0) {
      const frame = this.inbox.shift()!;
      let msg: FrontendMessage;
      try {
        msg = decodeFrontendMessage(frame);
      } catch (e) {
        this.fatalFromError(e, 'client');
        return;
      }
      const pending = this.route(frame, msg);
      if (pending !== null) {
        this.holding = true;
        this.client.pause();
        this.flushUpstream();
        pending.then(
          () => {
            this.holding = false;
            if (this.closed) return;
            this.client.resume();
            this.pump();
          },
          (e: unknown) => this.fatalFromError(e, 'policy'),
        );
        return;
      }
    }
    this.flushUpstream();
  }

  /** Routes one message; returns a promise when its verdict is still being decided. */
  private route(frame: Frame, msg: FrontendMessage): Promise<void> | null {
    switch (msg.kind) {
      case 'query':
        return this.judged({ kind: 'query', sql: msg.sql }, (v) => {
          if (v.kind === 'refuse') return this.refuse(v.error, true, v.tag);
          this.send(frame, { kind: 'query', swallow: false, tag: v.tag });
        });
      case 'parse':
        return this.judged({ kind: 'parse', statement: msg.statement, sql: msg.sql }, (v) => {
          if (v.kind === 'refuse') return this.refuse(v.error, false, v.tag);
          this.statements.set(msg.statement, msg.sql);
          this.tracker.forgetStatement(msg.statement);
          this.send(frame, { kind: 'parse', swallow: false, statement: msg.statement, tag: v.tag });
        });
      case 'bind':
        this.portals.set(msg.portal, msg.statement);
        this.tracker.bindPortal(msg.portal, msg.statement, msg.resultFormats);
        this.send(frame, { kind: 'bind', swallow: false, portal: msg.portal, statement: msg.statement });
        return null;
      case 'describe':
        this.send(frame, msg.target === 'S'
          ? { kind: 'describe-statement', swallow: false, statement: msg.name }
          : this.describePortal(msg.name, false));
        return null;
      case 'execute': {
        const statement = this.portals.get(msg.portal) ?? '';
        return this.judged({ kind: 'execute', portal: msg.portal, statement, sql: this.statements.get(statement) ?? null }, (v) => {
          if (v.kind === 'refuse') return this.refuse(v.error, false, v.tag);
          if (this.policy.needsRowShapes && !this.tracker.knowsPortalRows(msg.portal)) {
            this.inject(serialize.describe({ type: 'P', name: msg.portal }), this.describePortal(msg.portal, true));
          }
          this.send(frame, { kind: 'execute', swallow: false, portal: msg.portal, statement, tag: v.tag });
        });
      }
      case 'close':
        if (msg.target === 'S') {
          this.statements.delete(msg.name);
          this.tracker.forgetStatement(msg.name);
        } else {
          this.portals.delete(msg.name);
          this.tracker.forgetPortal(msg.name);
        }
        this.send(frame, { kind: 'close', swallow: false });
        return null;
      case 'sync':
        this.send(frame, { kind: 'sync', swallow: false });
        return null;
      case 'function-call':
        return this.judged({ kind: 'function-call', functionOid: msg.functionOid }, (v) => {
          if (v.kind === 'refuse') return this.refuse(v.error, true, v.tag);
          this.send(frame, { kind: 'function-call', swallow: false, tag: v.tag });
        });
      case 'flush':
      case 'copy-data':
      case 'copy-done':
      case 'copy-fail':
        this.toUpstream.add(frame.raw);
        return null;
      case 'terminate':
        this.toUpstream.add(frame.raw);
        this.flushUpstream();
        this.close('client terminated the session');
        return null;
      case 'password':
        this.fatal({ severity: 'FATAL', code: '08P01', message: 'unexpected password message after authentication' });
        return null;
      default:
        return msg satisfies never;
    }
  }

  private judged(event: StatementEvent, then: (v: StatementVerdict) => void): Promise<void> | null {
    let verdict: StatementVerdict | Promise<StatementVerdict>;
    try {
      verdict = this.policy.judge(event, this);
    } catch (e) {
      // A policy that cannot decide must not let the statement through, nor take the proxy down.
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    if (!(verdict instanceof Promise)) {
      then(verdict);
      return null;
    }
    return verdict.then((v) => {
      if (!this.closed) then(v);
    });
  }

  private describePortal(portal: string, swallow: boolean): Expectation {
    const statement = this.portals.get(portal);
    if (statement === undefined) return { kind: 'describe-portal', swallow, portal };
    return { kind: 'describe-portal', swallow, portal, statement, statementGeneration: this.tracker.statementGeneration(statement) };
  }

  private send(frame: Frame, e: Expectation): void {
    // Forwarded even when the tracker expects no answer (the server is skipping to Sync): the
    // server must see it to stay in step with the client.
    this.tracker.expect(e);
    this.toUpstream.add(frame.raw);
  }

  private inject(bytes: Buffer, e: Expectation): void {
    if (this.tracker.expect(e)) this.toUpstream.add(bytes);
  }

  /**
   * A refused statement never reaches the upstream. In its place the upstream executes a portal
   * that cannot exist, which fails the way any error does — aborting an open transaction and, in
   * extended mode, skipping to Sync — and the tracker swaps that failure for the policy's error.
   */
  private refuse(error: NoticeFields, simpleProtocol: boolean, tag: unknown): void {
    const replacement = backend.errorResponse(error);
    this.inject(serialize.execute({ portal: REFUSED_PORTAL, rows: 0 }), { kind: 'execute', swallow: false, replaceErrorWith: replacement, tag });
    if (simpleProtocol) this.inject(serialize.sync(), { kind: 'sync', swallow: false });
  }

  private flushUpstream(): void {
    const parts = this.toUpstream.take();
    if (parts.length === 0 || this.closed) return;
    if (!writeParts(this.upstream, parts, this.toUpstream.releaseTaken())) {
      this.client.pause();
      this.upstream.once('drain', () => {
        if (!this.holding && !this.closed) this.client.resume();
      });
    }
  }

  // ---- upstream → client -------------------------------------------------------------

  private onUpstreamData(chunk: Buffer): void {
    let items: (Frame | FrameRun)[];
    try {
      items = this.upstreamReader.pushRuns(chunk, STREAMING_TYPES);
    } catch (e) {
      this.fatalFromError(e, 'upstream');
      return;
    }
    if (this.upstreamBacklog !== null) {
      this.upstreamBacklog.push(...items);
      return;
    }
    this.handleUpstreamFrames(items);
  }

  /** Frames that arrived while an asynchronous rewrite was pending; null when none is. */
  private upstreamBacklog: (Frame | FrameRun)[] | null = null;

  private handleUpstreamFrames(received: (Frame | FrameRun)[], start = 0): void {
    const rewrite = this.policy.rewrite;
    let items = received;
    for (let i = start; i < items.length; i++) {
      const item = items[i]!;
      if (isFrameRun(item)) {
        if (this.passRun(item)) {
          if (this.closed) return;
          continue;
        }
        // The policy looks at these rows one by one (concat: a run can hold thousands of rows,
        // too many to spread as arguments).
        items = items.slice(0, i).concat(framesOfRun(item), items.slice(i + 1));
      }
      const frame = items[i] as Frame;
      let ctx;
      try {
        ctx = this.tracker.observe(frame);
        if (frame.type === BackendCode.ParameterStatus) {
          const p = decodeParameterStatus(frame.payload);
          this.parameters.set(p.name, p.value);
        }
      } catch (e) {
        this.fatalFromError(e, 'upstream');
        return;
      }
      if (ctx.forward === 'replace') this.toClient.add(ctx.replacement!);
      else if (ctx.forward === 'client') {
        let out: Buffer | null | Promise<Buffer | null>;
        try {
          out = rewrite === undefined ? frame.raw : rewrite.call(this.policy, frame, ctx, this);
        } catch (e) {
          this.fatalFromError(e, 'policy');
          return;
        }
        if (out instanceof Promise) {
          this.awaitRewrite(out, ctx.completed, items, i + 1);
          return;
        }
        if (out !== null) this.toClient.add(out);
      }
      if (ctx.completed !== null) this.notifyCompleted(ctx.completed);
    }
    this.scheduleClientFlush();
  }

  /**
   * Forwards (or drops) a whole run when the policy can take it as one (unchanged, or masked
   * in one pass); returns false when each row must go through the rewrite point. A rewrite
   * that fails ends the session (returning true).
   */
  private passRun(run: FrameRun): boolean {
    const ctx = this.tracker.streamContext(run.type);
    let out: Buffer | null = run.raw;
    if (ctx.forward === 'client' && this.policy.rewrite !== undefined) {
      try {
        out = this.policy.rewriteRun?.(run, ctx) ?? null;
      } catch (e) {
        // The run may be half rewritten in place: none of it can be sent, nor read row by row.
        this.fatalFromError(e, e instanceof ProtocolError ? 'upstream' : 'policy');
        return true;
      }
      if (out === null) return false;
    }
    this.tracker.countRun(run.type, run.count);
    if (ctx.forward === 'client') {
      // Rewritten in place, the run is the received chunk's memory, which nothing reuses; any
      // other rewrite may live in the policy's scratch memory, reused by its next rewrite.
      if (out.buffer === run.raw.buffer && out.byteOffset === run.raw.byteOffset) this.toClient.add(out);
      else this.toClient.addCopy(out);
    }
    return true;
  }

  private awaitRewrite(pending: Promise<Buffer | null>, completed: Expectation | null, frames: (Frame | FrameRun)[], next: number): void {
    this.flushClient();
    this.upstream.pause();
    this.upstreamBacklog = frames.slice(next);
    pending.then(
      (out) => {
        if (this.closed) return;
        if (out !== null) this.toClient.add(out);
        if (completed !== null) this.notifyCompleted(completed);
        const backlog = this.upstreamBacklog ?? [];
        this.upstreamBacklog = null;
        this.upstream.resume();
        this.handleUpstreamFrames(backlog);
      },
      (e: unknown) => this.fatalFromError(e, 'policy'),
    );
  }

  private notifyCompleted(e: Expectation): void {
    try {
      this.policy.completed?.(e, this);
    } catch (err) {
      this.log.error({ session: this.id, err: (err as Error).message }, 'policy failed to record a completed statement');
    }
  }

  /**
   * Results are written once per turn of the event loop: the TLS layer hands over one 16 kB
   * record at a time, and writing each at once would wake the client for every one of them.
   */
  private scheduleClientFlush(): void {
    if (this.toClient.size >= CLIENT_FLUSH_BYTES) {
      this.flushClient();
      return;
    }
    if (this.clientFlushScheduled) return;
    this.clientFlushScheduled = true;
    setImmediate(this.scheduledClientFlush);
  }

  private clientFlushScheduled = false;
  /** Made once: a closure per received chunk was garbage on every stream. */
  private readonly scheduledClientFlush = (): void => {
    this.clientFlushScheduled = false;
    this.flushClient();
  };

  private flushClient(): void {
    const parts = this.toClient.take();
    if (parts.length === 0 || this.closed) return;
    if (!writeParts(this.client, parts, this.toClient.releaseTaken())) {
      this.upstream.pause();
      this.client.once('drain', () => {
        if (this.upstreamBacklog === null) this.upstream.resume();
      });
    }
  }

  // ---- endings -----------------------------------------------------------------------

  private fatalFromError(e: unknown, source: 'client' | 'upstream' | 'policy'): void {
    if (e instanceof ProtocolError) {
      this.log.warn({ session: this.id, source, err: e.message }, 'protocol violation; closing session');
      const message = source === 'upstream' ? `upstream server sent malformed data: ${e.message}` : e.message;
      this.fatal({ severity: 'FATAL', code: e.sqlstate, message });
      return;
    }
    this.log.error({ session: this.id, source, err: (e as Error).message }, 'session failed');
    this.fatal({ severity: 'FATAL', code: 'XX000', message: `gatehouse: internal error in the ${source} path; the session was closed` });
  }

  private fatal(fields: NoticeFields): void {
    if (this.closed) return;
    this.flushClient();
    this.client.end(backend.errorResponse(fields));
    this.close(fields.message);
  }

  private upstreamLost(reason: string): void {
    if (this.closed) return;
    this.fatal({ severity: 'FATAL', code: '08006', message: `gatehouse: ${reason}` });
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.log.debug({ session: this.id, reason }, 'session closed');
    if (!this.upstream.destroyed) this.upstream.end(serialize.end());
    this.upstream.destroySoon?.();
    setTimeout(() => {
      this.upstream.destroy();
      this.client.destroy();
    }, 1000).unref();
    if (!this.client.destroyed) this.client.end();
    this.policy.closed?.(this);
    this.onCloseCallback();
  }
}
