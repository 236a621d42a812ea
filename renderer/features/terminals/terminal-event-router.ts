import type { TerminalEvent } from '../../../shared/bridge/terminal-bridge.ts';

type Handler = (event: TerminalEvent) => void;

/** Events kept for sessions no tab has claimed yet; beyond this the oldest are dropped. */
export const MAX_UNCLAIMED_EVENTS = 512;

interface Opener {
  connection: string;
  handler: Handler;
}

/**
 * Hands `terminal.event`s to the tab that owns the session. A tab learns its session's id only
 * when terminal.open answers, and the broker may speak first: events for an id nobody claimed
 * yet are kept (boundedly) until the tab claims it, and an approval wait, which names its
 * connection, goes to the tab that is opening that connection.
 */
export class TerminalEventRouter {
  private readonly handlers = new Map<string, Handler>();
  private readonly openers: Opener[] = [];
  private unclaimed: TerminalEvent[] = [];

  deliver(event: TerminalEvent): void {
    const owner = this.handlers.get(event.terminalId);
    if (owner) {
      owner(event);
      return;
    }
    if (event.kind === 'waiting') {
      const opener = this.openers.find((o) => o.connection === event.request.connection);
      if (opener) {
        this.bind(event.terminalId, opener.handler);
        opener.handler(event);
        return;
      }
    }
    this.unclaimed.push(event);
    if (this.unclaimed.length > MAX_UNCLAIMED_EVENTS) this.unclaimed.splice(0, this.unclaimed.length - MAX_UNCLAIMED_EVENTS);
  }

  /** A tab is opening `connection` and does not know its session id yet. */
  expectOpen(connection: string, handler: Handler): () => void {
    const opener = { connection, handler };
    this.openers.push(opener);
    return () => {
      const at = this.openers.indexOf(opener);
      if (at !== -1) this.openers.splice(at, 1);
    };
  }

  /** The tab now owns `terminalId`: it receives what arrived before, then everything new. */
  claim(terminalId: string, handler: Handler): () => void {
    this.bind(terminalId, handler);
    return () => {
      if (this.handlers.get(terminalId) === handler) this.handlers.delete(terminalId);
    };
  }

  /** Unclaimed events held: a measure for tests and diagnostics. */
  get held(): number {
    return this.unclaimed.length;
  }

  private bind(terminalId: string, handler: Handler): void {
    this.handlers.set(terminalId, handler);
    const early = this.unclaimed.filter((e) => e.terminalId === terminalId);
    if (early.length === 0) return;
    this.unclaimed = this.unclaimed.filter((e) => e.terminalId !== terminalId);
    for (const event of early) handler(event);
  }
}
