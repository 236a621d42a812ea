import { join } from 'node:path';
import { connectSsh, type ConnectSshOptions, type RunningSshConnection } from '../connect/connect-ssh.ts';
import type { Logger } from '../log.ts';
import type { ActiveSession } from './app-session.ts';
import { BridgeFailure } from './bridge-dispatcher.ts';

export interface SshListenersOptions {
  /** The app's data folder: audit spools, recordings waiting for upload and listener keys go under it. */
  root: string;
  log: Logger;
  /** Tests substitute their own; the app uses connectSsh. */
  connect?: (options: ConnectSshOptions) => Promise<RunningSshConnection>;
}

interface Opened {
  generation: number;
  running: Promise<RunningSshConnection>;
}

/**
 * The app's SSH listeners, one per connection, opened on demand (by a terminal or "open local
 * port") and kept for the app's lifetime, or until closed or the user signs out — like the
 * PostgreSQL ones in LocalListeners. Each is a full `gatehouse connect`: leased key, pinned
 * host key, enforced policy, recordings, audit spool, kill switch.
 */
export class SshListeners {
  private readonly opened = new Map<string, Opened>();
  private readonly closing = new Set<(connection: string) => Promise<void>>();

  constructor(private readonly o: SshListenersOptions) {}

  isOpen(connection: string): boolean {
    return this.opened.has(connection);
  }

  /** Runs before a listener closes, so what uses it (terminals) can end first and say why. */
  beforeClose(hook: (connection: string) => Promise<void>): void {
    this.closing.add(hook);
  }

  async open(session: ActiveSession, connection: string): Promise<RunningSshConnection> {
    const existing = this.opened.get(connection);
    if (existing !== undefined && existing.generation === session.generation) return existing.running;
    if (existing !== undefined) await this.close(connection);
    const running = this.start(session, connection);
    const entry: Opened = { generation: session.generation, running };
    this.opened.set(connection, entry);
    running.catch(() => {
      // A refused lease must not stick: the next open asks again.
      if (this.opened.get(connection) === entry) this.opened.delete(connection);
    });
    const listener = await running;
    this.o.log.info({ connection, listening: listener.listening }, 'ssh listener open');
    return listener;
  }

  async close(connection: string): Promise<boolean> {
    const entry = this.opened.get(connection);
    if (entry === undefined) return false;
    await Promise.all([...this.closing].map((hook) => hook(connection).catch(() => undefined)));
    if (this.opened.get(connection) !== entry) return false;
    this.opened.delete(connection);
    const running = await entry.running.catch(() => null);
    await running?.close().catch((err: unknown) => this.o.log.warn({ connection, err: (err as Error).message }, 'closing an ssh listener failed'));
    return running !== null;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.opened.keys()].map((connection) => this.close(connection)));
  }

  private async start(session: ActiveSession, connection: string): Promise<RunningSshConnection> {
    const summary = await session.api.getConnection(connection);
    if (summary.kind !== 'ssh') throw new BridgeFailure('invalid', `${connection} is a PostgreSQL connection: open it in the query pane, not in a terminal`);
    const folder = connection.replace(/[^A-Za-z0-9_.-]/g, '_');
    return (this.o.connect ?? connectSsh)({
      serverUrl: session.serverUrl,
      api: session.api,
      tokens: session.tokens,
      connection,
      port: 0,
      spoolDir: join(this.o.root, 'spool', folder),
      recordingSpoolDir: join(this.o.root, 'recordings', folder),
      stateDir: join(this.o.root, 'ssh'),
      log: this.o.log.child({ connection }),
    });
  }
}
