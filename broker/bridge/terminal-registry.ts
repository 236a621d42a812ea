import { randomUUID } from 'node:crypto';
import type { TerminalEvent } from '../../shared/bridge/terminal-bridge.ts';
import type { Logger } from '../log.ts';
import type { ActiveSession } from './app-session.ts';
import { BridgeFailure } from './bridge-dispatcher.ts';
import type { SshListeners } from './ssh-listeners.ts';
import { TerminalSession } from './terminal-session.ts';

export interface TerminalRegistryOptions {
  listeners: SshListeners;
  emit: (event: TerminalEvent) => void;
  /** Subscribes to the bridge's acks; called once, when the first terminal opens. */
  subscribeAcks: (listener: (stream: string, bytes: number) => void) => void;
  log: Logger;
  flowWindowBytes?: number;
  maxTerminals?: number;
}

const DEFAULT_MAX_TERMINALS = 32;

/**
 * The app's open terminals by id. Each runs through its connection's SSH listener; when a
 * listener closes (sign-out, server switch, "close local port") its terminals end first and
 * say why.
 */
export class TerminalRegistry {
  private readonly live = new Map<string, TerminalSession>();
  private subscribed = false;

  constructor(private readonly o: TerminalRegistryOptions) {
    o.listeners.beforeClose(async (connection) => {
      this.closeConnection(connection, { reason: 'lost', message: `the SSH listener of ${connection} closed (signed out, or its local port was closed); reconnect to continue` });
    });
  }

  async open(session: ActiveSession, p: { connection: string; cols: number; rows: number }): Promise<{ terminalId: string; recorded: boolean }> {
    if (this.live.size >= (this.o.maxTerminals ?? DEFAULT_MAX_TERMINALS)) throw new BridgeFailure('unavailable', `at most ${this.o.maxTerminals ?? DEFAULT_MAX_TERMINALS} terminals can be open at once; close one first`);
    if (!this.subscribed) {
      this.subscribed = true;
      this.o.subscribeAcks((stream, bytes) => this.live.get(stream)?.acknowledge(bytes));
    }
    const listener = await this.o.listeners.open(session, p.connection);
    const terminal = new TerminalSession({
      id: randomUUID(),
      connection: p.connection,
      listener,
      cols: p.cols,
      rows: p.rows,
      emit: this.o.emit,
      approval: (id) => session.api.getApproval(id),
      pendingSessionApprovals: async () =>
        (await session.api.listMyApprovals()).filter((r) => r.state === 'pending' && r.connection === p.connection && r.scope.kind === 'session'),
      onEnded: (id) => this.live.delete(id),
      log: this.o.log,
      ...(this.o.flowWindowBytes === undefined ? {} : { flowWindowBytes: this.o.flowWindowBytes }),
    });
    this.live.set(terminal.id, terminal);
    // The renderer learns the id from this call's answer; the first event must come after it.
    setImmediate(() => void terminal.start());
    // Every session through the listener is recorded: recording is not a policy option.
    return { terminalId: terminal.id, recorded: true };
  }

  get(terminalId: string): TerminalSession {
    const terminal = this.live.get(terminalId);
    if (terminal === undefined) throw new BridgeFailure('not-found', `no open terminal ${terminalId}`);
    return terminal;
  }

  closeConnection(connection: string, ending: { reason: 'lost' | 'killed'; message: string }): void {
    for (const terminal of [...this.live.values()]) if (terminal.connection === connection) terminal.close(ending);
  }
}
