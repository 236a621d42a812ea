/**
 * PGlite is one PostgreSQL backend, so every client connection of the wire server shares it.
 * The gate lets one connection's batch (its messages up to ReadyForQuery) run at a time, and
 * remembers whose transaction is open in the backend, so other connections know that whatever
 * they run now would land inside it.
 */

export type TransactionStatus = 'I' | 'T' | 'E';

export interface OpenTransaction {
  connectionId: number;
  /** T: in a transaction block; E: in a failed one, refusing everything until it ends. */
  status: 'T' | 'E';
}

export class PgliteSessionGate {
  private tail: Promise<void> = Promise.resolve();
  private open: OpenTransaction | null = null;
  private readonly waiters = new Set<() => void>();
  private brokenReason: string | null = null;

  /** Why the backend stopped answering, once it has; every connection is then refused. */
  get broken(): string | null {
    return this.brokenReason;
  }

  markBroken(reason: string): void {
    this.brokenReason ??= reason;
  }

  /** Waits for the backend; the returned function hands it to the next connection in line. */
  async lock(): Promise<() => void> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => turn);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }

  /** The transaction open in the backend when it belongs to another connection than `connectionId`. */
  foreignTransaction(connectionId: number): OpenTransaction | null {
    return this.open !== null && this.open.connectionId !== connectionId ? this.open : null;
  }

  /** Called with the backend's status after a batch `connectionId` ran directly (not interleaved). */
  recordStatus(connectionId: number, status: TransactionStatus): void {
    this.open = status === 'I' ? null : { connectionId, status };
    if (this.open === null) for (const wake of [...this.waiters]) wake();
  }

  /** Resolves true once no other connection's transaction is open, false after `timeoutMs`. */
  waitForForeignTransactionEnd(connectionId: number, timeoutMs: number): Promise<boolean> {
    if (this.foreignTransaction(connectionId) === null) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (ended: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(ended);
      };
      const wake = (): void => finish(true);
      const timer = setTimeout(() => finish(this.foreignTransaction(connectionId) === null), timeoutMs);
      this.waiters.add(wake);
    });
  }
}
