import type { FieldDescription } from '../protocol/backend-decoders.ts';
import { decodeReadyForQuery, decodeRowDescription } from '../protocol/backend-decoders.ts';
import { BackendCode } from '../protocol/message-codes.ts';
import type { Frame } from '../protocol/frame-reader.ts';

/** What a message sent upstream will be answered with. */
export type ExpectationKind =
  | 'parse'
  | 'bind'
  | 'describe-statement'
  | 'describe-portal'
  | 'execute'
  | 'close'
  | 'sync'
  | 'query'
  | 'function-call';

export interface Expectation {
  kind: ExpectationKind;
  /** Responses to messages the proxy injected are not shown to the client. */
  swallow: boolean;
  /** When set, the upstream's error for this message is replaced with this frame. */
  replaceErrorWith?: Buffer;
  statement?: string;
  /** describe-portal: the generation of `statement` when the Describe was sent (see statementGeneration). */
  statementGeneration?: number;
  portal?: string;
  /** Opaque per-statement state for the policy layer (audit, row counting). */
  tag?: unknown;
  /** The row shape of the result currently streaming for this message. */
  rows?: FieldDescription[] | null;
  rowCount?: number;
  error?: Map<string, string>;
}

/** What a received upstream frame belongs to. */
export interface FrameContext {
  /** The message this frame answers, or null for asynchronous messages (notices, notifications). */
  expectation: Expectation | null;
  /** The row shape for DataRow frames; null when the shape is unknown (fail closed under masking). */
  rows: FieldDescription[] | null;
  /** The expectation this frame completed, if any. */
  completed: Expectation | null;
  /** Forwarding decision for this frame. */
  forward: 'client' | 'drop' | 'replace';
  replacement?: Buffer;
}

const extendedKinds: ReadonlySet<ExpectationKind> = new Set(['parse', 'bind', 'describe-statement', 'describe-portal', 'execute', 'close']);

/**
 * Follows the protocol conversation so every upstream frame is attributed to the message it
 * answers. This is what lets the policy layer hold a statement, inject its own messages and
 * swallow their answers, and find the row shape of each DataRow even in pipelined extended
 * query traffic. It mirrors PostgreSQL's own rules: after an error in extended query mode the
 * server skips every message until Sync, and so does the tracker.
 */
export class ResponseTracker {
  private readonly queue: Expectation[] = [];
  private serverSkippingUntilSync = false;
  private readonly statementRows = new Map<string, FieldDescription[] | null>();
  private readonly portalRows = new Map<string, FieldDescription[] | null>();
  /** Bumped whenever a statement name is parsed again or closed: older answers describe another statement. */
  private readonly statementGenerations = new Map<string, number>();
  /** Set when the upstream said something the tracker cannot attribute. */
  desynchronized = false;
  transactionStatus: 'I' | 'T' | 'E' = 'I';

  get pendingCount(): number {
    return this.queue.length;
  }

  /** Records a message about to be sent upstream. Returns false if the server will skip it. */
  expect(e: Expectation): boolean {
    if (this.serverSkippingUntilSync && e.kind !== 'sync') return false;
    if (e.kind === 'sync') this.serverSkippingUntilSync = false;
    this.queue.push(e);
    return true;
  }

  /** Called when a Bind is sent, so the portal inherits its statement's row shape. */
  bindPortal(portal: string, statement: string, resultFormats: number[]): void {
    const rows = this.statementRows.get(statement);
    if (rows === undefined) {
      this.portalRows.delete(portal);
      return;
    }
    if (rows === null) {
      this.portalRows.set(portal, null);
      return;
    }
    this.portalRows.set(
      portal,
      rows.map((f, i) => ({ ...f, format: resultFormats.length === 0 ? 0 : resultFormats.length === 1 ? resultFormats[0]! : (resultFormats[i] ?? 0) })),
    );
  }

  knowsPortalRows(portal: string): boolean {
    return this.portalRows.has(portal);
  }

  forgetStatement(name: string): void {
    this.statementRows.delete(name);
    this.statementGenerations.set(name, this.statementGeneration(name) + 1);
  }

  /** Which version of the statement named `name` a message sent now refers to. */
  statementGeneration(name: string): number {
    return this.statementGenerations.get(name) ?? 0;
  }

  /** Keeps the answer to a Describe (null: NoData) for the statement or portal it described. */
  private noteDescription(head: Expectation | null, rows: FieldDescription[] | null): void {
    if (head?.kind === 'describe-statement' && head.statement !== undefined) this.statementRows.set(head.statement, rows);
    if (head?.kind === 'describe-portal' && head.portal !== undefined) {
      this.portalRows.set(head.portal, rows);
      this.learnStatementRows(head, rows);
    }
  }

  /**
   * A portal's description is its statement's, with the Bind's result formats: kept for the
   * statement (formats zeroed, as Describe Statement gives them), so that later portals bound
   * to it know their rows without another Describe. Only while the statement is the one the
   * Describe was sent for: a Parse or Close of that name since then makes the answer stale.
   */
  private learnStatementRows(head: Expectation, rows: FieldDescription[] | null): void {
    const statement = head.statement;
    if (statement === undefined || head.statementGeneration !== this.statementGeneration(statement) || this.statementRows.has(statement)) return;
    this.statementRows.set(statement, rows === null ? null : rows.map((f) => ({ ...f, format: 0 })));
  }

  forgetPortal(name: string): void {
    this.portalRows.delete(name);
  }

  observe(frame: Frame): FrameContext {
    const head = this.queue[0] ?? null;
    switch (frame.type) {
      case BackendCode.NoticeResponse:
      case BackendCode.NotificationResponse:
      case BackendCode.ParameterStatus:
        return { expectation: null, rows: null, completed: null, forward: 'client' };
      case BackendCode.ParseComplete:
        return this.complete(head, 'parse');
      case BackendCode.BindComplete:
        return this.complete(head, 'bind');
      case BackendCode.CloseComplete:
        return this.complete(head, 'close');
      case BackendCode.ParameterDescription:
        return this.continueWith(head, 'describe-statement');
      case BackendCode.NoData:
        this.noteDescription(head, null);
        return this.complete(head, head?.kind === 'describe-portal' ? 'describe-portal' : 'describe-statement');
      case BackendCode.RowDescription: {
        const rows = decodeRowDescription(frame.payload);
        if (head?.kind === 'query' || head?.kind === 'execute') {
          head.rows = rows;
          head.rowCount = 0;
          return this.context(head, rows);
        }
        this.noteDescription(head, rows);
        const ctx = this.complete(head, head?.kind === 'describe-portal' ? 'describe-portal' : 'describe-statement');
        ctx.rows = rows;
        return ctx;
      }
      case BackendCode.DataRow: {
        const ctx = this.streamContext(frame.type);
        this.countRun(frame.type, 1);
        return ctx;
      }
      case BackendCode.CommandComplete:
      case BackendCode.EmptyQueryResponse:
        if (head?.kind === 'query') {
          // One statement of the message is done; the message itself completes at ReadyForQuery.
          const ctx = this.context(head, head.rows ?? null);
          head.rows = undefined;
          head.rowCount = 0;
          return ctx;
        }
        return this.complete(head, 'execute');
      case BackendCode.PortalSuspended:
        return this.complete(head, 'execute');
      case BackendCode.CopyInResponse:
      case BackendCode.CopyOutResponse:
      case BackendCode.CopyBothResponse:
      case BackendCode.CopyData:
      case BackendCode.CopyDone:
      case BackendCode.FunctionCallResponse:
        return this.context(head, head?.rows ?? null);
      case BackendCode.ErrorResponse:
        return this.onError(head);
      case BackendCode.ReadyForQuery: {
        this.transactionStatus = decodeReadyForQuery(frame.payload);
        if (head !== null && (head.kind === 'sync' || head.kind === 'query' || head.kind === 'function-call')) {
          this.queue.shift();
          return { expectation: head, rows: null, completed: head, forward: head.swallow ? 'drop' : 'client' };
        }
        this.desynchronized = true;
        return { expectation: null, rows: null, completed: null, forward: 'client' };
      }
      default:
        return { expectation: head, rows: null, completed: null, forward: head?.swallow ? 'drop' : 'client' };
    }
  }

  /**
   * What observe says about a DataRow or CopyData frame, without counting it: every frame of a
   * run shares it, so a run can be judged once and then counted with countRun.
   */
  streamContext(type: number): FrameContext {
    const head = this.queue[0] ?? null;
    if (type !== BackendCode.DataRow) return this.context(head, head?.rows ?? null);
    if (head?.kind !== 'query' && head?.kind !== 'execute') return { expectation: null, rows: null, completed: null, forward: 'client' };
    if (head.kind === 'execute' && head.rows === undefined) head.rows = head.portal === undefined ? null : (this.portalRows.get(head.portal) ?? null);
    return this.context(head, head.rows ?? null);
  }

  /** Records `count` DataRow or CopyData frames as received (after streamContext). */
  countRun(type: number, count: number): void {
    if (type !== BackendCode.DataRow) return;
    const head = this.queue[0] ?? null;
    if (head?.kind === 'query' || head?.kind === 'execute') head.rowCount = (head.rowCount ?? 0) + count;
    else this.desynchronized = true;
  }

  private context(head: Expectation | null, rows: FieldDescription[] | null): FrameContext {
    return { expectation: head, rows, completed: null, forward: head?.swallow ? 'drop' : 'client' };
  }

  private continueWith(head: Expectation | null, kind: ExpectationKind): FrameContext {
    if (head?.kind !== kind) this.desynchronized = true;
    return this.context(head, null);
  }

  private complete(head: Expectation | null, kind: ExpectationKind): FrameContext {
    if (head === null || head.kind !== kind) {
      this.desynchronized = true;
      return { expectation: null, rows: null, completed: null, forward: 'client' };
    }
    this.queue.shift();
    return { expectation: head, rows: head.rows ?? null, completed: head, forward: head.swallow ? 'drop' : 'client' };
  }

  private onError(head: Expectation | null): FrameContext {
    if (head === null) return { expectation: null, rows: null, completed: null, forward: 'client' };
    const forward = head.replaceErrorWith !== undefined ? 'replace' : head.swallow ? 'drop' : 'client';
    const ctx: FrameContext = { expectation: head, rows: null, completed: null, forward, replacement: head.replaceErrorWith };
    if (head.kind === 'query' || head.kind === 'function-call' || head.kind === 'sync') return ctx; // ReadyForQuery follows
    if (extendedKinds.has(head.kind)) {
      // The server now skips everything up to the next Sync; drop those expectations too.
      this.queue.shift();
      ctx.completed = head;
      while (this.queue.length > 0 && this.queue[0]!.kind !== 'sync') this.queue.shift();
      if (this.queue.length === 0) this.serverSkippingUntilSync = true;
    }
    return ctx;
  }
}
