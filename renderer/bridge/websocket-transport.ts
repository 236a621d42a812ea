import { bridgeOutboundSchema } from '../../shared/bridge/bridge-envelope.ts';
import type { BridgeOutcome, BridgeTransport, LinkStatus } from './bridge-transport.ts';
import { reconnectDelayMs } from './reconnect-backoff.ts';

/** What the transport needs from a socket; adapters wrap the browser's WebSocket (or `ws` in tests). */
export interface SocketHandlers {
  open(): void;
  message(text: string): void;
  close(code: number, reason: string): void;
}
export interface TextSocket {
  send(text: string): void;
  close(): void;
}
export type SocketFactory = (url: string, handlers: SocketHandlers) => TextSocket;

export interface WebSocketTransportOptions {
  url: string;
  createSocket: SocketFactory;
  delayMs?: (attempt: number) => number;
  now?: () => number;
}

interface PendingCall {
  method: string;
  params: unknown;
  resolve: (outcome: BridgeOutcome) => void;
  /** Set once the call went out on the current socket. */
  sentId: number | null;
}

/**
 * The `gatehouse ui` transport: one WebSocket to the headless broker, calls matched to
 * results by id, events fanned out, and reconnection with backoff. Calls made while the link
 * is down wait for the next attempt and fail if it fails; calls in flight when the socket
 * drops fail as 'unavailable', because the broker may or may not have run them.
 */
export class WebSocketTransport implements BridgeTransport {
  private socket: TextSocket | null = null;
  private socketOpen = false;
  private nextId = 1;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private current: LinkStatus = { state: 'connecting' };
  private readonly pending = new Set<PendingCall>();
  private readonly inFlight = new Map<number, PendingCall>();
  private readonly eventListeners = new Set<(event: string, data: unknown) => void>();
  private readonly statusListeners = new Set<(status: LinkStatus) => void>();
  private readonly delayMs: (attempt: number) => number;
  private readonly now: () => number;

  constructor(private readonly options: WebSocketTransportOptions) {
    this.delayMs = options.delayMs ?? ((attempt) => reconnectDelayMs(attempt));
    this.now = options.now ?? Date.now;
    this.connect();
  }

  call(method: string, params: unknown): Promise<BridgeOutcome> {
    if (this.closed) return Promise.resolve(unavailable('the bridge is closed'));
    return new Promise((resolve) => {
      const call: PendingCall = { method, params, resolve, sentId: null };
      this.pending.add(call);
      if (this.socketOpen) this.send(call);
    });
  }

  onEvent(listener: (event: string, data: unknown) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  ack(stream: string, bytes: number): void {
    if (this.socketOpen) this.socket?.send(JSON.stringify({ type: 'ack', stream, bytes }));
  }

  status(): LinkStatus {
    return this.current;
  }

  onStatus(listener: (status: LinkStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  retryNow(): void {
    if (this.closed || this.socket) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    this.socketOpen = false;
    socket?.close();
    this.failAll('the bridge is closed');
    this.setStatus({ state: 'closed' });
  }

  private connect(): void {
    this.setStatus({ state: 'connecting' });
    let opened = false;
    let finished = false;
    const socket = this.options.createSocket(this.options.url, {
      open: () => {
        if (finished || this.closed) return;
        opened = true;
        this.socketOpen = true;
        this.attempt = 0;
        this.setStatus({ state: 'open' });
        for (const call of this.pending) if (call.sentId === null) this.send(call);
      },
      message: (text) => {
        if (!finished) this.receive(text);
      },
      close: (code, reason) => {
        if (finished) return;
        finished = true;
        if (this.socket !== socket) return;
        this.socket = null;
        this.socketOpen = false;
        this.dropped(opened, code, reason);
      },
    });
    this.socket = socket;
  }

  private dropped(wasOpen: boolean, code: number, reason: string): void {
    const why = describeClose(wasOpen, code, reason);
    // Calls the broker may have seen can't be retried blindly; queued ones fail only when the attempt failed outright.
    for (const [id, call] of this.inFlight) {
      this.inFlight.delete(id);
      this.pending.delete(call);
      call.resolve(unavailable(`lost the connection to the broker during ${call.method}`));
    }
    if (!wasOpen) this.failAll(why);
    if (this.closed) return;
    const delay = this.delayMs(this.attempt);
    this.attempt += 1;
    this.setStatus({ state: 'unreachable', attempt: this.attempt, retryAt: this.now() + delay, reason: why });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private send(call: PendingCall): void {
    const id = this.nextId++;
    call.sentId = id;
    this.inFlight.set(id, call);
    try {
      this.socket?.send(JSON.stringify({ type: 'call', id, method: call.method, params: call.params }));
    } catch (e) {
      this.inFlight.delete(id);
      this.pending.delete(call);
      call.resolve(unavailable(`could not send ${call.method}: ${(e as Error).message}`));
    }
  }

  private receive(text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    const parsed = bridgeOutboundSchema.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'event') {
      for (const listener of [...this.eventListeners]) listener(message.event, message.data);
      return;
    }
    const call = this.inFlight.get(message.id);
    if (!call) return;
    this.inFlight.delete(message.id);
    this.pending.delete(call);
    call.resolve(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error });
  }

  private failAll(why: string): void {
    for (const call of this.pending) call.resolve(unavailable(why));
    this.pending.clear();
    this.inFlight.clear();
  }

  private setStatus(status: LinkStatus): void {
    this.current = status;
    for (const listener of [...this.statusListeners]) listener(status);
  }
}

function unavailable(message: string): BridgeOutcome {
  return { ok: false, error: { code: 'unavailable', message } };
}

function describeClose(wasOpen: boolean, code: number, reason: string): string {
  if (reason) return reason;
  if (code === 1008 || code === 4401 || code === 4403) return 'the broker refused this page (its token is wrong or stale); open the address `gatehouse ui` printed';
  return wasOpen ? 'the connection to the broker was lost' : 'cannot reach the broker';
}
