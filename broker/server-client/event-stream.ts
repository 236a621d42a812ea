import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { serverEventSchema, type ServerEvent } from '../../shared/api/events.ts';
import type { AccessTokenSource } from './api-client.ts';

export type ServerEventType = ServerEvent['type'];

export interface ReceivedServerEvent {
  /** The SSE `id:` of the event; what a reconnect resumes after. */
  id: string | undefined;
  event: ServerEvent;
}

export interface ServerEventStreamOptions {
  baseUrl: string;
  tokens: AccessTokenSource;
  fetch?: typeof fetch;
  /** Resume after this id (e.g. persisted by the caller across restarts). */
  lastEventId?: string;
  /** First reconnect delay; doubles up to maxBackoffMs. A server `retry:` field replaces it. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * With no byte at all (events or heartbeat comments) for this long the connection is taken
   * for dead and reopened: a half-open TCP connection otherwise looks like a quiet stream forever.
   */
  idleTimeoutMs?: number;
  /** Told about every failure the stream recovers from by itself (refused, dropped, bad event). */
  onError?: (err: Error) => void;
}

type Listener = (event: ServerEvent, id: string | undefined) => void;
type StatusListener = (connected: boolean) => void;

const DEFAULT_INITIAL_BACKOFF_MS = 500;
const DEFAULT_MAX_BACKOFF_MS = 30_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/**
 * GET /v1/events as a resilient stream: reconnects with backoff and jitter, and sends
 * Last-Event-ID so that the server replays whatever was published while it was away.
 */
export class ServerEventStream implements AsyncIterable<ReceivedServerEvent> {
  private readonly listeners = new Map<ServerEventType | '*', Set<Listener>>();
  private readonly statusListeners = new Set<StatusListener>();
  private readonly iterators = new Set<EventQueue>();
  private readonly abort = new AbortController();
  private readonly fetchImpl: typeof fetch;
  private readonly maxBackoffMs: number;
  private readonly idleTimeoutMs: number;
  private baseBackoffMs: number;
  private lastId: string | undefined;
  private isConnected = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: ServerEventStreamOptions) {
    this.fetchImpl = opts.fetch ?? fetch;
    this.lastId = opts.lastEventId;
    this.baseBackoffMs = opts.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  get lastEventId(): string | undefined {
    return this.lastId;
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Connects (and keeps reconnecting) until close(). Attach listeners first to miss nothing. */
  start(): this {
    if (this.closed) throw new Error('the event stream is closed');
    this.loop ??= this.run();
    return this;
  }

  /** Returns a function that removes the listener. `'*'` receives every event. */
  on<T extends ServerEventType>(type: T | '*', listener: (event: Extract<ServerEvent, { type: T }>, id: string | undefined) => void): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(type, set);
    }
    const stored = listener as Listener;
    set.add(stored);
    return () => set.delete(stored);
  }

  onConnectionChange(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Events received from the moment the iterator is created, until close(). */
  [Symbol.asyncIterator](): AsyncIterator<ReceivedServerEvent> {
    const queue = new EventQueue(() => this.iterators.delete(queue));
    if (this.closed) queue.end();
    else this.iterators.add(queue);
    return queue;
  }

  async close(): Promise<void> {
    this.abort.abort();
    for (const queue of this.iterators) queue.end();
    this.iterators.clear();
    await this.loop;
    this.setConnected(false);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const receivedSomething = await this.connectOnce().catch((err: unknown) => {
        if (!this.closed) this.report(err);
        return false;
      });
      this.setConnected(false);
      if (this.closed) return;
      // A connection that delivered anything was healthy: start the backoff over.
      failures = receivedSomething ? 0 : failures + 1;
      await this.sleep(this.backoffFor(failures));
    }
  }

  /** True if the connection delivered any byte before it ended. */
  private async connectOnce(): Promise<boolean> {
    const connection = new AbortController();
    const onClose = (): void => connection.abort();
    this.abort.signal.addEventListener('abort', onClose, { once: true });
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdleTimer = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => connection.abort(new Error(`no data from the event stream for ${this.idleTimeoutMs} ms`)), this.idleTimeoutMs);
    };
    let received = false;
    try {
      const headers: Record<string, string> = {
        accept: 'text/event-stream',
        'cache-control': 'no-cache',
        authorization: `Bearer ${await this.opts.tokens.accessToken()}`,
      };
      if (this.lastId !== undefined) headers['last-event-id'] = this.lastId;
      armIdleTimer();
      const response = await this.fetchImpl(`${this.opts.baseUrl.replace(/\/+$/, '')}/v1/events`, { headers, signal: connection.signal });
      if (response.status === 401) this.opts.tokens.invalidate?.();
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(`GET /v1/events answered ${response.status}`);
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.startsWith('text/event-stream') || response.body === null) {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(`GET /v1/events answered ${contentType || 'no content type'}, not an event stream`);
      }
      this.setConnected(true);
      const parser = createParser({
        onEvent: (message) => this.dispatch(message),
        onRetry: (ms) => {
          this.baseBackoffMs = ms;
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        received = true;
        armIdleTimer();
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
      // A clean end of the body is still a lost stream: the server never ends it on purpose.
      if (!this.closed) this.report(new Error('the event stream ended'));
      return received;
    } catch (err) {
      if (this.closed) return received;
      if (received) {
        this.report(err instanceof Error ? err : new Error(String(err)));
        return true;
      }
      throw err;
    } finally {
      clearTimeout(idleTimer);
      this.abort.signal.removeEventListener('abort', onClose);
    }
  }

  private dispatch(message: EventSourceMessage): void {
    // The id moves on even for an event we cannot read: asking for it again would not help.
    if (message.id !== undefined) this.lastId = message.id;
    let json: unknown;
    try {
      json = JSON.parse(message.data);
    } catch {
      this.report(new Error(`event ${message.id ?? '(no id)'} is not JSON`));
      return;
    }
    const parsed = serverEventSchema.safeParse(json);
    if (!parsed.success) {
      this.report(new Error(`event ${message.id ?? '(no id)'} does not match the contract: ${parsed.error.message}`));
      return;
    }
    const event = parsed.data;
    for (const key of [event.type, '*'] as const) {
      for (const listener of this.listeners.get(key) ?? []) {
        try {
          listener(event, message.id);
        } catch (err) {
          this.report(err instanceof Error ? err : new Error(String(err)));
        }
      }
    }
    for (const queue of this.iterators) queue.push({ id: message.id, event });
  }

  private setConnected(connected: boolean): void {
    if (this.isConnected === connected) return;
    this.isConnected = connected;
    for (const listener of this.statusListeners) listener(connected);
  }

  private report(err: unknown): void {
    this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
  }

  private backoffFor(failures: number): number {
    const ceiling = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** Math.min(failures, 16));
    // Full jitter in the upper half: replicas restarting together are not all hit at once.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const timer = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** An unbounded queue behind one async iterator; the producer never waits for the consumer. */
class EventQueue implements AsyncIterator<ReceivedServerEvent> {
  private readonly items: ReceivedServerEvent[] = [];
  private waiting: ((result: IteratorResult<ReceivedServerEvent>) => void) | undefined;
  private ended = false;

  constructor(private readonly onReturn: () => void) {}

  push(item: ReceivedServerEvent): void {
    if (this.ended) return;
    if (this.waiting !== undefined) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    this.ended = true;
    if (this.waiting !== undefined) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ReceivedServerEvent>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<ReceivedServerEvent>> {
    this.end();
    this.items.length = 0;
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }
}
