import type { Terminal } from '@xterm/xterm';
import type { TerminalEvent } from '../../../shared/bridge/terminal-bridge.ts';
import type { BridgeClient } from '../../bridge/bridge-client.ts';
import { bytesFromBase64 } from './base64-bytes.ts';
import { OutputAckLedger } from './output-ack-ledger.ts';
import type { TerminalEventRouter } from './terminal-event-router.ts';
import { TerminalInputSender } from './terminal-input-sender.ts';
import type { TerminalAction } from './terminal-phase.ts';

/** How long a burst of size changes (a window being dragged) settles before the broker hears of it. */
const RESIZE_SETTLE_MS = 120;

/**
 * One tab's link to broker SSH sessions: opens a session at the terminal's size, writes its
 * output into xterm and acknowledges it once rendered, sends keystrokes and sizes, and starts
 * a fresh session on reconnect. What happens is reported as phase actions.
 */
export class TerminalConnection {
  private terminalId: string | null = null;
  private ledger = new OutputAckLedger();
  private input: TerminalInputSender | null = null;
  private releases: Array<() => void> = [];
  /** Counts sessions: answers for a session this tab already gave up are ignored. */
  private attempt = 0;
  private handler: ((event: TerminalEvent) => void) | null = null;
  /** The current session closed: stray events for it are ignored. */
  private over = false;
  private resizeTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    private readonly client: BridgeClient,
    private readonly router: TerminalEventRouter,
    private readonly connection: string,
    private readonly term: Terminal,
    private readonly report: (action: TerminalAction) => void,
    private readonly reportError: (message: string) => void,
  ) {}

  get id(): string | null {
    return this.terminalId;
  }

  async open(): Promise<void> {
    this.abandon();
    const attempt = ++this.attempt;
    this.ledger = new OutputAckLedger();
    this.terminalId = null;
    this.over = false;
    const handler = (event: TerminalEvent) => {
      if (attempt === this.attempt) this.onEvent(event);
    };
    this.handler = handler;
    const stopExpecting = this.router.expectOpen(this.connection, handler);
    try {
      const opened = await this.client.call('terminal.open', { connection: this.connection, cols: this.term.cols, rows: this.term.rows });
      if (attempt !== this.attempt || this.disposed) {
        void this.client.call('terminal.close', { terminalId: opened.terminalId }).catch(() => undefined);
        return;
      }
      this.adopt(opened.terminalId, handler);
      this.report({ type: 'opened', recorded: opened.recorded });
    } catch (e) {
      if (attempt === this.attempt && !this.disposed) this.report({ type: 'open-failed', message: (e as Error).message });
    } finally {
      stopExpecting();
    }
  }

  /** Keystrokes and pastes from xterm. */
  send(data: string): void {
    this.input?.push(data);
  }

  /** xterm changed size (fit); the remote side hears of it once the size settles. */
  resized(): void {
    if (this.resizeTimer !== null) clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = null;
      const terminalId = this.terminalId;
      if (terminalId === null) return;
      this.client.call('terminal.resize', { terminalId, cols: this.term.cols, rows: this.term.rows }).catch((e: Error) => this.reportError(`Resize failed: ${e.message}`));
    }, RESIZE_SETTLE_MS);
  }

  /** Stops listening to the current session without ending it (the link dropped: nothing more arrives from it). */
  abandon(): void {
    this.ledger.end();
    this.input?.close();
    this.input = null;
    for (const release of this.releases.splice(0)) release();
  }

  /** Ends the current session on the broker's side too. */
  close(): void {
    const terminalId = this.terminalId;
    this.abandon();
    this.attempt++;
    this.terminalId = null;
    if (terminalId !== null) void this.client.call('terminal.close', { terminalId }).catch(() => undefined);
  }

  dispose(): void {
    this.close();
    this.disposed = true;
    if (this.resizeTimer !== null) clearTimeout(this.resizeTimer);
  }

  private adopt(terminalId: string, handler: (event: TerminalEvent) => void): void {
    if (this.over) return;
    if (this.terminalId !== terminalId) {
      this.terminalId = terminalId;
      this.releases.push(this.router.claim(terminalId, handler));
    }
    if (this.input === null) {
      this.input = new TerminalInputSender(
        (data) => this.client.call('terminal.input', { terminalId, data }),
        (e) => this.reportError(`Input was not delivered: ${(e as Error).message}`),
      );
    }
  }

  private onEvent(event: TerminalEvent): void {
    // The broker may speak before terminal.open answers (an approval wait); the session is ours from then on.
    if (this.over) return;
    if (this.terminalId === null && this.handler !== null) this.adopt(event.terminalId, this.handler);
    if (event.terminalId !== this.terminalId) return;
    switch (event.kind) {
      case 'output': {
        const terminalId = event.terminalId;
        const ledger = this.ledger;
        ledger.written(event.bytes);
        this.term.write(bytesFromBase64(event.data), () => {
          const ack = ledger.rendered(event.bytes);
          if (ack > 0) this.client.ack(terminalId, ack);
        });
        break;
      }
      case 'closed':
        this.over = true;
        this.abandon();
        break;
      case 'waiting':
      case 'opened':
        break;
      default:
        event satisfies never;
    }
    this.report({ type: 'event', event });
  }
}
