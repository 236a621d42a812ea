import WebSocket from 'ws';
import type { BridgeError } from '../../shared/bridge/bridge-envelope.ts';
import type { BridgeEventData, BridgeEventName, BridgeMethod, BridgeParams, BridgeReply } from '../../shared/bridge/bridge-methods.ts';

export class BridgeCallFailed extends Error {
  constructor(
    readonly method: string,
    readonly error: BridgeError,
  ) {
    super(`${method} failed (${error.code}): ${error.message}`);
    this.name = 'BridgeCallFailed';
  }
}

export interface ReceivedEvent {
  event: string;
  data: unknown;
  at: number;
}

/**
 * The renderer's side of the `gatehouse ui` bridge, driven from a test: typed calls, and every
 * event kept in order so a test can wait for one or inspect them all.
 */
export class BridgeWsClient {
  readonly events: ReceivedEvent[] = [];
  /** Every frame received, as text: what a page would have seen on the wire. */
  readonly frames: string[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const text = raw.toString();
      this.frames.push(text);
      const message = JSON.parse(text) as { type: string; id?: number; ok?: boolean; result?: unknown; error?: BridgeError; event?: string; data?: unknown };
      if (message.type === 'result' && message.id !== undefined) {
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok === true) call?.resolve(message.result);
        else call?.reject(new BridgeCallFailed(call.method, message.error!));
      } else if (message.type === 'event') {
        this.events.push({ event: message.event!, data: message.data, at: Date.now() });
        for (const wake of this.waiters) wake();
      }
    });
    ws.on('close', () => {
      for (const call of this.pending.values()) call.reject(new Error('the bridge closed'));
      this.pending.clear();
    });
  }

  /** Opens the bridge as the page served from `origin` would. Rejects with the HTTP status if refused. */
  static connect(bridgeUrl: string, origin: string): Promise<BridgeWsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(bridgeUrl, { origin });
      ws.once('open', () => resolve(new BridgeWsClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`refused with HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  call<M extends BridgeMethod>(method: M, params: BridgeParams<M>): Promise<BridgeReply<M>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ type: 'call', id, method, params }));
    });
  }

  /** Flow control: tells the broker the renderer has consumed `bytes` more of `stream` (a terminal id). */
  ack(stream: string, bytes: number): void {
    this.ws.send(JSON.stringify({ type: 'ack', stream, bytes }));
  }

  /** Events of one kind received so far (optionally since index `from` of `events`). */
  eventsOf<E extends BridgeEventName>(event: E, from = 0): BridgeEventData<E>[] {
    return this.events.slice(from).filter((e) => e.event === event).map((e) => e.data as BridgeEventData<E>);
  }

  /** Resolves with the first event (at or after index `from`) that matches. */
  waitFor<E extends BridgeEventName>(event: E, match: (data: BridgeEventData<E>) => boolean = () => true, opts: { from?: number; timeoutMs?: number } = {}): Promise<BridgeEventData<E>> {
    const from = opts.from ?? 0;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.eventsOf(event, from).find(match);
        if (found === undefined) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${event} event matched within ${opts.timeoutMs ?? 15_000} ms`));
      }, opts.timeoutMs ?? 15_000);
      if (!check()) this.waiters.add(check);
    });
  }

  close(): void {
    this.ws.close();
  }
}
