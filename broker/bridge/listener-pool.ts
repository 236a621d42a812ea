import type { Logger } from '../log.ts';
import type { ActiveSession } from './app-session.ts';

/** What a pool keeps per connection: a running `gatehouse connect`. */
export interface PooledListener {
  listening: string;
  close(): Promise<void>;
}

export interface ListenerPoolOptions<T extends PooledListener> {
  /** How log lines name one listener (`local listener`, `ssh listener`). */
  label: string;
  log: Logger;
  /** Starts the connection's listener; refusals (not that kind of connection, no lease) reject. */
  start: (session: ActiveSession, connection: string) => Promise<T>;
}

interface Opened<T> {
  generation: number;
  running: Promise<T>;
}

/**
 * The app's listeners of one kind, one per connection, opened on demand and kept for the
 * app's lifetime, or until closed or the user signs out (a new session generation reopens
 * them under the new identity). Concurrent opens share one start.
 */
export class ListenerPool<T extends PooledListener> {
  private readonly opened = new Map<string, Opened<T>>();
  private readonly closing = new Set<(connection: string) => Promise<void>>();

  constructor(private readonly pool: ListenerPoolOptions<T>) {}

  isOpen(connection: string): boolean {
    return this.opened.has(connection);
  }

  /** Runs before a listener closes, so what uses it (terminals) can end first and say why. */
  beforeClose(hook: (connection: string) => Promise<void>): void {
    this.closing.add(hook);
  }

  async open(session: ActiveSession, connection: string): Promise<T> {
    const existing = this.opened.get(connection);
    if (existing !== undefined && existing.generation === session.generation) return existing.running;
    if (existing !== undefined) await this.close(connection);
    const running = this.pool.start(session, connection);
    const entry: Opened<T> = { generation: session.generation, running };
    this.opened.set(connection, entry);
    running.catch(() => {
      // A refused lease must not stick: the next open asks again.
      if (this.opened.get(connection) === entry) this.opened.delete(connection);
    });
    const listener = await running;
    this.pool.log.info({ connection, listening: listener.listening }, `${this.pool.label} open`);
    return listener;
  }

  async close(connection: string): Promise<boolean> {
    const entry = this.opened.get(connection);
    if (entry === undefined) return false;
    await Promise.all([...this.closing].map((hook) => hook(connection).catch(() => undefined)));
    if (this.opened.get(connection) !== entry) return false;
    this.opened.delete(connection);
    const running = await entry.running.catch(() => null);
    await running?.close().catch((err: unknown) => this.pool.log.warn({ connection, err: (err as Error).message }, `closing the ${this.pool.label} failed`));
    return running !== null;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.opened.keys()].map((connection) => this.close(connection)));
  }
}
