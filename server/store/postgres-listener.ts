import pg from 'pg';
import type { Logger } from 'pino';

type Handler = (payload: string) => void;

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * One dedicated connection carries every LISTEN of this process (a pooled connection would be
 * handed to someone else). When it drops, it reconnects with backoff, listens again on every
 * channel and tells subscribers, who re-read what they may have missed.
 */
export class PostgresListener {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHooks = new Set<() => void>();
  private closed = false;
  private retryDelay = RECONNECT_MIN_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  // LISTEN/UNLISTEN statements are issued one at a time, in order.
  private ops: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connectionString: string,
    private readonly log: Logger | undefined,
  ) {}

  async subscribe(channel: string, handler: Handler, onReconnect: (() => void) | undefined): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('the database is closed');
    const client = await this.connected();
    let set = this.handlers.get(channel);
    const first = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    if (onReconnect !== undefined) this.reconnectHooks.add(onReconnect);
    if (first) await this.serially(() => client.query(`LISTEN "${channel}"`));
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      if (onReconnect !== undefined) this.reconnectHooks.delete(onReconnect);
      const current = this.handlers.get(channel);
      current?.delete(handler);
      if (current !== undefined && current.size === 0) {
        this.handlers.delete(channel);
        const live = this.client;
        if (live !== null) await this.serially(() => live.query(`UNLISTEN "${channel}"`)).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    this.handlers.clear();
    this.reconnectHooks.clear();
    if (client !== null) await client.end().catch(() => undefined);
  }

  private serially<T>(op: () => Promise<T>): Promise<T> {
    const next = this.ops.then(op, op);
    this.ops = next.catch(() => undefined);
    return next;
  }

  private async connected(): Promise<pg.Client> {
    if (this.client !== null) return this.client;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'gatehouse-server-listen' });
    client.on('notification', (message) => {
      if (message.payload === undefined) return;
      for (const handler of this.handlers.get(message.channel) ?? []) {
        try {
          handler(message.payload);
        } catch (e) {
          this.log?.error({ err: e, channel: message.channel }, 'notification handler threw');
        }
      }
    });
    client.on('error', (e) => this.onLost(client, e));
    client.on('end', () => this.onLost(client, null));
    await client.connect();
    if (this.closed) {
      await client.end();
      throw new Error('the database is closed');
    }
    this.client = client;
    return client;
  }

  private onLost(client: pg.Client, error: Error | null): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    this.log?.warn({ err: error ?? undefined }, 'lost the LISTEN connection; reconnecting');
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer !== null) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, RECONNECT_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.reconnect();
    }, delay);
    this.retryTimer.unref();
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      const client = await this.connected();
      for (const channel of this.handlers.keys()) await this.serially(() => client.query(`LISTEN "${channel}"`));
      this.retryDelay = RECONNECT_MIN_MS;
      this.log?.info({ channels: [...this.handlers.keys()] }, 'LISTEN connection restored');
      for (const hook of this.reconnectHooks) {
        try {
          hook();
        } catch (e) {
          this.log?.error({ err: e }, 'reconnect hook threw');
        }
      }
    } catch (e) {
      if (this.closed) return;
      this.log?.warn({ err: e }, 'reconnecting the LISTEN connection failed; retrying');
      this.scheduleReconnect();
    }
  }
}
