import { join } from 'node:path';
import { connectPostgres, type RunningConnection } from '../connect/connect-postgres.ts';
import type { Logger } from '../log.ts';
import type { ActiveSession } from './app-session.ts';
import { BridgeFailure } from './bridge-dispatcher.ts';

export interface LocalListenersOptions {
  /** Audit spools go under here, one folder per connection. */
  spoolRoot: string;
  log: Logger;
  /** How long running sessions keep their cached policy while the server is unreachable. */
  graceMs?: number;
}

interface Opened {
  generation: number;
  running: Promise<RunningConnection>;
}

const DEFAULT_GRACE_MS = 60_000;

/**
 * The app's local listeners, one per connection, opened on demand (the query pane's own
 * sessions go through them too) and kept for the app's lifetime, or until closed or the user
 * signs out. Each is a full `gatehouse connect`: leased credential, enforced policy, audit spool.
 */
export class LocalListeners {
  private readonly opened = new Map<string, Opened>();

  constructor(private readonly o: LocalListenersOptions) {}

  isOpen(connection: string): boolean {
    return this.opened.has(connection);
  }

  async open(session: ActiveSession, connection: string): Promise<RunningConnection> {
    const existing = this.opened.get(connection);
    if (existing !== undefined && existing.generation === session.generation) return existing.running;
    if (existing !== undefined) await this.close(connection);
    const summary = await session.api.getConnection(connection);
    if (summary.kind !== 'postgres') {
      throw new BridgeFailure('invalid', `${connection} is an SSH connection: it has no PostgreSQL listener or schema; open a terminal or its SSH local port instead`);
    }
    const running = connectPostgres({
      serverUrl: session.serverUrl,
      api: session.api,
      tokens: session.tokens,
      connection,
      port: 0,
      spoolDir: join(this.o.spoolRoot, connection),
      graceMs: this.o.graceMs ?? DEFAULT_GRACE_MS,
      log: this.o.log.child({ connection }),
    });
    const entry: Opened = { generation: session.generation, running };
    this.opened.set(connection, entry);
    running.catch(() => {
      // A refused lease must not stick: the next open asks again.
      if (this.opened.get(connection) === entry) this.opened.delete(connection);
    });
    const listener = await running;
    this.o.log.info({ connection, listening: listener.listening }, 'local listener open');
    return listener;
  }

  async close(connection: string): Promise<boolean> {
    const entry = this.opened.get(connection);
    if (entry === undefined) return false;
    this.opened.delete(connection);
    const running = await entry.running.catch(() => null);
    await running?.close().catch((err: unknown) => this.o.log.warn({ connection, err: (err as Error).message }, 'closing a local listener failed'));
    return running !== null;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.opened.keys()].map((connection) => this.close(connection)));
  }
}
