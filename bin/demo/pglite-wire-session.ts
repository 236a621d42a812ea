import type { Socket } from 'node:net';
import type { PGliteInterface } from '@electric-sql/pglite';
import type { Frame, FrameReader } from '../../broker/pg/protocol/frame-reader.ts';
import { backend } from '../../broker/pg/protocol/backend-messages.ts';
import type { NoticeFields } from '../../broker/pg/protocol/backend-messages.ts';
import { decodeFrontendMessage } from '../../broker/pg/protocol/frontend-messages.ts';
import { FrontendCode } from '../../broker/pg/protocol/message-codes.ts';
import { MessageBuilder } from '../../broker/pg/protocol/message-builder.ts';
import { ProtocolError } from '../../broker/pg/protocol/protocol-error.ts';
import { asInterleavedAnswer, backendFrames, firstError, readyStatus } from './pglite-backend-output.ts';
import type { PgliteSessionGate } from './pglite-session-gate.ts';
import { ConnectionStatementNames } from './pglite-statement-names.ts';
import { statementTraits } from './pglite-statement-checks.ts';

/**
 * One client connection of the PGlite wire server after authentication. Its messages are
 * passed to the shared PGlite backend a batch at a time (up to the ReadyForQuery that ends
 * it), under the gate, so no other connection's message lands in the middle of a batch.
 *
 * While another connection has a transaction open in the backend, this connection's batches
 * run inside it, in a savepoint that is read-only and rolled back afterwards: reads work (the
 * broker's catalog lookups happen exactly then, in the middle of a client's transaction), writes
 * are refused with a clear error, and nothing of them stays in the other transaction. A
 * statement that would begin or end a transaction waits a moment for the other one to end,
 * and is refused if it does not.
 *
 * PGlite differs from a server in ways a client could otherwise run into: COPY FROM STDIN would
 * end its backend, so it is refused (see pglite-statement-checks.ts); settings changed with SET
 * and temporary tables are shared by all connections; a connection that goes away has its
 * transaction rolled back and its prepared statements closed.
 */

export interface PgliteSessionContext {
  db: PGliteInterface;
  gate: PgliteSessionGate;
  connectionId: number;
  log: (line: string) => void;
}

const TRANSACTION_WAIT_MS = 3_000;
/** A batch holds the only backend; a client that stops in the middle of one must not hold it forever. */
const MID_BATCH_IDLE_MS = 30_000;
const QUEUE_HIGH_WATER = 256;
const QUEUE_LOW_WATER = 32;
const INTERLEAVE_SAVEPOINT = 'gatehouse_pglite_interleave';

/** The frontend messages PGlite is given; anything else could end its one backend. */
const RELAYED_TYPES = new Set<number>([
  FrontendCode.Query, FrontendCode.Parse, FrontendCode.Bind, FrontendCode.Describe, FrontendCode.Execute, FrontendCode.Close,
  FrontendCode.Sync, FrontendCode.Flush, FrontendCode.FunctionCall,
]);
/** Never in COPY IN mode (COPY FROM STDIN is refused), so these are ignored, as PostgreSQL does outside it. */
const IGNORED_TYPES = new Set<number>([FrontendCode.CopyData, FrontendCode.CopyDone, FrontendCode.CopyFail]);
/** Messages after which PostgreSQL always answers ReadyForQuery; without one, PGlite has stopped. */
const ANSWERED_WITH_READY = new Set<number>([FrontendCode.Query, FrontendCode.Sync, FrontendCode.FunctionCall]);

type BatchMode = { kind: 'direct' } | { kind: 'interleaved'; ownerId: number };

interface BatchState {
  mode: BatchMode;
  /** After a refusal of our own in an extended-protocol batch, like PostgreSQL: drop until Sync. */
  skipping: boolean;
}

type NextFrame = Frame | 'closed' | 'idle';

export class PgliteBackendStopped extends Error {
  override name = 'PgliteBackendStopped';
}

/** What every client is told once PGlite's backend has stopped. */
export function stoppedMessage(reason: string): string {
  return `the demo's embedded PGlite database stopped working (${reason}); restart the demo`;
}

function simpleQuery(sql: string): Buffer {
  return new MessageBuilder().cstring(sql).build(FrontendCode.Query);
}

const SYNC = new MessageBuilder().build(FrontendCode.Sync);
const SYNC_FRAME: Frame = { type: FrontendCode.Sync, payload: SYNC.subarray(5), raw: SYNC };

function isBatchEnd(frame: Frame): boolean {
  return ANSWERED_WITH_READY.has(frame.type);
}

export class PgliteWireSession {
  private readonly queue: Frame[] = [];
  private waiter: ((next: NextFrame) => void) | null = null;
  private closed = false;
  private readonly names: ConnectionStatementNames;

  constructor(
    private readonly socket: Socket,
    private readonly reader: FrameReader,
    pending: Frame[],
    private readonly ctx: PgliteSessionContext,
  ) {
    this.names = new ConnectionStatementNames(ctx.connectionId);
    this.queue.push(...pending);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.markClosed());
    socket.on('error', () => this.markClosed());
  }

  /** Relays until the client terminates or goes away, then gives back what it held in the backend. */
  async run(): Promise<void> {
    this.socket.resume();
    try {
      for (;;) {
        const frame = await this.next(null);
        if (frame === 'closed' || frame === 'idle' || frame.type === FrontendCode.Terminate) break;
        await this.runBatch(frame);
      }
    } catch (e) {
      if (e instanceof PgliteBackendStopped) this.fatal('XX000', stoppedMessage(e.message));
      else this.fatal(e instanceof ProtocolError ? e.sqlstate : 'XX000', (e as Error).message);
    } finally {
      await this.forget();
      this.socket.destroy();
    }
  }

  /** Ends the connection, dropping what it has not run yet; run() then rolls back what it held. */
  close(): void {
    this.queue.length = 0;
    this.socket.destroy();
    this.markClosed();
  }

  private receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      const error = e as ProtocolError;
      this.fatal(error.sqlstate ?? '08P01', error.message);
      return;
    }
    this.queue.push(...frames);
    if (this.queue.length > QUEUE_HIGH_WATER) this.socket.pause();
    this.deliver();
  }

  private markClosed(): void {
    this.closed = true;
    this.deliver();
  }

  private deliver(): void {
    if (this.waiter === null) return;
    const frame = this.queue.shift();
    if (frame === undefined && !this.closed) return;
    const waiter = this.waiter;
    this.waiter = null;
    waiter(frame ?? 'closed');
  }

  private next(idleMs: number | null): Promise<NextFrame> {
    if (this.queue.length < QUEUE_LOW_WATER && !this.closed) this.socket.resume();
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const timer = idleMs === null ? null : setTimeout(() => {
        this.waiter = null;
        resolve('idle');
      }, idleMs);
      this.waiter = (next) => {
        if (timer !== null) clearTimeout(timer);
        resolve(next);
      };
    });
  }

  private async runBatch(first: Frame): Promise<void> {
    const id = this.ctx.connectionId;
    const gate = this.ctx.gate;
    const foreign = gate.foreignTransaction(id);
    if (foreign !== null && (foreign.status === 'E' || this.queuedBatchControlsTransaction(first))) {
      await gate.waitForForeignTransactionEnd(id, TRANSACTION_WAIT_MS);
    }
    const release = await gate.lock();
    try {
      if (gate.broken !== null) throw new PgliteBackendStopped(gate.broken);
      const open = gate.foreignTransaction(id);
      if (open === null) {
        await this.relayBatch(first, { kind: 'direct' });
        return;
      }
      if (open.status === 'E' || !(await this.openInterleave())) {
        await this.refuseBatch(first, {
          severity: 'ERROR',
          code: '55006',
          message: `the demo's embedded PGlite database is busy: connection ${open.connectionId} has a failed transaction open in its only backend`,
          hint: 'Try again once that connection rolls back.',
        });
        return;
      }
      this.ctx.log(`connection ${id}: batch run read-only inside connection ${open.connectionId}'s open transaction`);
      try {
        await this.relayBatch(first, { kind: 'interleaved', ownerId: open.connectionId });
      } finally {
        if (gate.broken === null) await this.closeInterleave();
      }
    } finally {
      release();
    }
  }

  /** Looks at the batch as far as it has arrived, without waiting for more of it. */
  private queuedBatchControlsTransaction(first: Frame): boolean {
    for (const frame of [first, ...this.queue]) {
      const sql = this.sqlOf(frame);
      if (sql !== null && statementTraits(sql).controlsTransaction) return true;
      if (isBatchEnd(frame)) break;
    }
    return false;
  }

  private sqlOf(frame: Frame): string | null {
    if (frame.type !== FrontendCode.Query && frame.type !== FrontendCode.Parse) return null;
    const message = decodeFrontendMessage(frame);
    return message.kind === 'query' || message.kind === 'parse' ? message.sql : null;
  }

  private async relayBatch(first: Frame, mode: BatchMode): Promise<void> {
    const batch: BatchState = { mode, skipping: false };
    let frame: NextFrame = first;
    try {
      while (frame !== 'closed' && frame !== 'idle' && frame.type !== FrontendCode.Terminate) {
        if (await this.relayFrame(frame, batch)) return;
        frame = await this.next(MID_BATCH_IDLE_MS);
      }
      if (frame === 'idle') this.fatal('08P01', `no message for ${MID_BATCH_IDLE_MS / 1000} s in the middle of a batch, while other connections wait for the demo database's only backend`);
      this.closed = true;
      await this.abandonBatch(batch);
    } catch (e) {
      if (e instanceof PgliteBackendStopped) throw e;
      this.fatal(e instanceof ProtocolError ? e.sqlstate : 'XX000', (e as Error).message);
      await this.abandonBatch(batch);
    }
  }

  /** Passes one message on (or refuses it); true once the batch has ended with ReadyForQuery. */
  private async relayFrame(frame: Frame, batch: BatchState): Promise<boolean> {
    if (IGNORED_TYPES.has(frame.type)) return false;
    if (!RELAYED_TYPES.has(frame.type)) throw new ProtocolError(`unexpected message type '${String.fromCharCode(frame.type)}'`);
    if (batch.skipping && frame.type !== FrontendCode.Sync) return false;
    const refusal = this.refusalOf(frame, batch.mode);
    if (refusal !== null) {
      this.write(backend.errorResponse(refusal));
      // A refused query ends like any failed one: with the backend's own ReadyForQuery.
      if (frame.type === FrontendCode.Query) return this.relayFrame(SYNC_FRAME, batch);
      batch.skipping = true;
      return false;
    }
    batch.skipping = false;
    const answer = await this.execute(this.names.rename(frame));
    this.write(batch.mode.kind === 'direct' ? Buffer.concat(answer.map((f) => f.raw)) : asInterleavedAnswer(answer, batch.mode.ownerId));
    const status = readyStatus(answer);
    if (status === null) return false;
    if (batch.mode.kind === 'direct') this.ctx.gate.recordStatus(this.ctx.connectionId, status);
    return true;
  }

  private refusalOf(frame: Frame, mode: BatchMode): NoticeFields | null {
    const sql = this.sqlOf(frame);
    if (sql === null) return null;
    const traits = statementTraits(sql);
    if (traits.unsupportedCopy) {
      return {
        severity: 'ERROR',
        code: '0A000',
        message: "the demo's embedded PGlite database supports only COPY ... TO STDOUT over the wire",
        hint: 'Use INSERT to load rows (COPY FROM STDIN, files and programs are not available).',
      };
    }
    if (mode.kind === 'interleaved' && traits.controlsTransaction) {
      return {
        severity: 'ERROR',
        code: '25001',
        message: `the demo's embedded PGlite database runs one transaction at a time, and connection ${mode.ownerId} has one open`,
        hint: 'Try again once that transaction commits or rolls back.',
      };
    }
    return null;
  }

  /** The client went away mid-batch: end the batch in the backend so the next connection starts clean. */
  private async abandonBatch(batch: BatchState): Promise<void> {
    try {
      const status = readyStatus(await this.execute(SYNC));
      if (batch.mode.kind === 'direct' && status !== null) this.ctx.gate.recordStatus(this.ctx.connectionId, status);
    } catch (e) {
      this.ctx.log(`connection ${this.ctx.connectionId}: ending the batch failed: ${(e as Error).message}`);
    }
  }

  /** Answers a whole batch with one error, without touching the backend. */
  private async refuseBatch(first: Frame, error: NoticeFields): Promise<void> {
    this.write(backend.errorResponse(error));
    let frame: NextFrame = first;
    while (frame !== 'closed' && frame !== 'idle' && frame.type !== FrontendCode.Terminate) {
      if (isBatchEnd(frame)) {
        this.write(backend.readyForQuery('I'));
        return;
      }
      frame = await this.next(MID_BATCH_IDLE_MS);
    }
    this.closed = true;
  }

  private async openInterleave(): Promise<boolean> {
    if (firstError(await this.execute(simpleQuery(`savepoint ${INTERLEAVE_SAVEPOINT}`))) !== null) return false;
    const readOnly = firstError(await this.execute(simpleQuery('set local transaction_read_only = on')));
    if (readOnly === null) return true;
    this.ctx.log(`connection ${this.ctx.connectionId}: could not make the interleaved savepoint read-only: ${readOnly}`);
    await this.closeInterleave();
    return false;
  }

  private async closeInterleave(): Promise<void> {
    const answer = await this.execute(simpleQuery(`rollback to savepoint ${INTERLEAVE_SAVEPOINT}; release savepoint ${INTERLEAVE_SAVEPOINT}`));
    const error = firstError(answer);
    if (error !== null) this.ctx.log(`connection ${this.ctx.connectionId}: leaving the interleaved savepoint failed: ${error}`);
  }

  /** Rolls back this connection's open transaction and closes its prepared statements. */
  private async forget(): Promise<void> {
    const gate = this.ctx.gate;
    const id = this.ctx.connectionId;
    const closes = this.names.closeAll();
    const release = await gate.lock();
    try {
      if (gate.broken !== null) return;
      if (gate.foreignTransaction(id) === null) {
        const status = readyStatus(await this.execute(SYNC));
        if (status !== 'I') {
          this.ctx.log(`connection ${id} went away inside a transaction: rolled back`);
          gate.recordStatus(id, readyStatus(await this.execute(simpleQuery('rollback'))) ?? 'I');
        }
      }
      if (closes.length > 0) await this.execute(Buffer.concat([...closes, SYNC]));
    } catch (e) {
      this.ctx.log(`connection ${id}: cleaning up failed: ${(e as Error).message}`);
    } finally {
      release();
    }
  }

  private async execute(message: Buffer): Promise<Frame[]> {
    const gate = this.ctx.gate;
    if (gate.broken !== null) throw new PgliteBackendStopped(gate.broken);
    let answer: Frame[];
    try {
      answer = backendFrames(await this.ctx.db.execProtocolRaw(message));
    } catch (e) {
      gate.markBroken((e as Error).message);
      throw new PgliteBackendStopped(gate.broken ?? (e as Error).message);
    }
    if (ANSWERED_WITH_READY.has(message[0]!) && readyStatus(answer) === null) {
      gate.markBroken(`it stopped answering (message '${String.fromCharCode(message[0]!)}' got no ReadyForQuery)`);
      throw new PgliteBackendStopped(gate.broken ?? 'it stopped answering');
    }
    return answer;
  }

  private write(data: Buffer): void {
    if (data.length > 0 && !this.socket.destroyed && !this.socket.writableEnded) this.socket.write(data);
  }

  /** Ends the connection with an error; nothing it sent after this runs. */
  private fatal(code: string, message: string): void {
    this.ctx.log(`connection ${this.ctx.connectionId}: ${message}`);
    this.queue.length = 0;
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.end(backend.errorResponse({ severity: 'FATAL', code, message }));
    this.markClosed();
  }
}
