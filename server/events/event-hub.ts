import type { ServerResponse } from 'node:http';
import type { Principal } from '../../shared/api/identity.ts';
import type { Logger } from '../http/logger.ts';
import type { Database } from '../store/database.ts';
import { mayReceive } from './event-audience.ts';
import { latestEventId, readEventsAfter, readEventsByIds } from './event-store.ts';
import type { StoredEvent } from './event-store.ts';
import { EVENTS_CHANNEL } from './publish-event.ts';
import { commentFrame, eventFrame } from './sse-frames.ts';

export interface EventHubOptions {
  db: Database;
  log: Logger;
  heartbeatMs?: number;
  /** A client whose socket has this much unsent data is cut off; it reconnects with Last-Event-ID. */
  maxBufferedBytes?: number;
  /** Rows read per query when replaying or catching up. */
  pageSize?: number;
}

interface Client {
  principal: Principal;
  res: ServerResponse;
  /** Live events that arrived while this client's replay was running; null once it is live. */
  backlog: StoredEvent[] | null;
}

const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024;
const DEFAULT_PAGE_SIZE = 500;
// Ids delivered lately: a catch-up after a reconnect may re-read what a notification already brought.
const RECENT_IDS = 4096;
const RETRY_READ_MS = 1_000;

/**
 * This replica's fan-out of server-sent events. It LISTENs once on the events channel; each
 * notification carries a new event's id, whose row is read once and written to every local
 * client it is meant for. An idle client costs its socket and one small record here: frames
 * are built once per event and shared, and heartbeats come from one timer for all clients.
 */
export class EventHub {
  private readonly db: Database;
  private readonly log: Logger;
  private readonly heartbeatMs: number;
  private readonly maxBufferedBytes: number;
  private readonly pageSize: number;
  private readonly clients = new Set<Client>();
  private readonly recent = new Set<number>();
  private readonly recentOrder: number[] = [];
  private pending: number[] = [];
  private work: Promise<void> = Promise.resolve();
  private draining = false;
  private highestSeen = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private stopped = false;

  constructor(opts: EventHubOptions) {
    this.db = opts.db;
    this.log = opts.log;
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async start(): Promise<void> {
    if (this.stopped) throw new Error('the event hub was stopped');
    this.unlisten = await this.db.listen(EVENTS_CHANNEL, (payload) => this.onNotification(payload), {
      onReconnect: () => this.serially(() => this.catchUp()),
    });
    // Read after LISTEN is in place, so no event falls between the two.
    try {
      this.highestSeen = Math.max(this.highestSeen, await latestEventId(this.db));
    } catch (e) {
      this.log.warn({ err: e }, 'events: cannot read the latest event id; catch-up after a reconnect starts from the beginning');
    }
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Ends every stream (clients reconnect, to another replica if this one is going away) and stops listening. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    for (const client of this.clients) client.res.end();
    this.clients.clear();
    const unlisten = this.unlisten;
    this.unlisten = null;
    await unlisten?.().catch((e: unknown) => this.log.warn({ err: e }, 'events: UNLISTEN failed'));
    await this.work;
  }

  /**
   * Streams to `res` (headers already sent) the events `principal` may see: first the stored
   * ones after `lastEventId`, if given, then live ones until the client goes away.
   */
  async connect(principal: Principal, res: ServerResponse, lastEventId: number | null): Promise<void> {
    if (this.stopped) {
      res.end();
      return;
    }
    const client: Client = { principal, res, backlog: lastEventId === null ? null : [] };
    this.clients.add(client);
    res.once('close', () => this.clients.delete(client));
    if (lastEventId === null) return;

    let after = lastEventId;
    try {
      for (;;) {
        const page = await readEventsAfter(this.db, after, this.pageSize);
        for (const event of page) {
          // A long replay goes at the client's pace instead of piling up in memory.
          if (mayReceive(principal, event.audience, eventOf(event)) && !res.write(frameOf(event))) await drainedOrClosed(res);
          after = event.id;
          if (!this.clients.has(client) || res.destroyed) return;
        }
        if (page.length < this.pageSize) break;
      }
    } catch (e) {
      this.log.warn({ err: e }, 'events: replay failed; closing the stream so the client resumes');
      this.drop(client);
      return;
    }
    const backlog = client.backlog ?? [];
    client.backlog = null;
    for (const event of backlog) {
      // Anything at or below `after` was committed before the replay read it.
      if (event.id > after && mayReceive(principal, event.audience, eventOf(event))) this.write(client, frameOf(event));
    }
  }

  private onNotification(payload: string): void {
    const id = Number(payload);
    if (!Number.isSafeInteger(id) || id <= 0) {
      this.log.warn({ payload }, 'events: ignoring a notification that is not an event id');
      return;
    }
    this.pending.push(id);
    if (this.draining) return;
    this.draining = true;
    this.serially(() => this.drainPending());
  }

  private async drainPending(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.stopped) {
        const ids = this.pending;
        this.pending = [];
        let events: StoredEvent[];
        try {
          events = await readEventsByIds(this.db, ids);
        } catch (e) {
          this.log.warn({ err: e }, 'events: reading notified events failed; retrying');
          this.pending = [...ids, ...this.pending];
          await sleep(RETRY_READ_MS);
          continue;
        }
        const byId = new Map(events.map((event) => [event.id, event]));
        // Notification order is commit order, which a reader resuming by id also sees.
        for (const id of ids) {
          const event = byId.get(id);
          if (event !== undefined) this.deliver(event);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** After the LISTEN connection came back: whatever was published meanwhile was never notified. */
  private async catchUp(): Promise<void> {
    let after = this.highestSeen;
    let caughtUp = 0;
    for (;;) {
      const page = await readEventsAfter(this.db, after, this.pageSize);
      for (const event of page) {
        this.deliver(event);
        after = event.id;
      }
      caughtUp += page.length;
      if (page.length < this.pageSize || this.stopped) break;
    }
    this.log.info({ events: caughtUp }, 'events: caught up after the LISTEN connection was restored');
  }

  private deliver(event: StoredEvent): void {
    if (this.recent.has(event.id)) return;
    this.remember(event.id);
    this.highestSeen = Math.max(this.highestSeen, event.id);
    const payload = eventOf(event);
    let frame: string | null = null;
    for (const client of this.clients) {
      if (client.backlog !== null) {
        client.backlog.push(event);
        continue;
      }
      if (!mayReceive(client.principal, event.audience, payload)) continue;
      frame ??= frameOf(event);
      this.write(client, frame);
    }
  }

  private remember(id: number): void {
    this.recent.add(id);
    this.recentOrder.push(id);
    if (this.recentOrder.length > RECENT_IDS) this.recent.delete(this.recentOrder.shift()!);
  }

  private write(client: Client, frame: string): void {
    const res = client.res;
    if (res.destroyed || res.writableEnded) {
      this.clients.delete(client);
      return;
    }
    if (res.writableLength > this.maxBufferedBytes) {
      this.log.warn({ subject: client.principal.subject, buffered: res.writableLength }, 'events: client is not reading; closing its stream');
      this.drop(client);
      return;
    }
    res.write(frame);
  }

  private drop(client: Client): void {
    this.clients.delete(client);
    client.res.destroy();
  }

  private beat(): void {
    const frame = commentFrame('keepalive');
    for (const client of this.clients) this.write(client, frame);
  }

  private serially(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((e: unknown) => this.log.error({ err: e }, 'events: fan-out task failed'));
  }
}

function eventOf(event: StoredEvent): { type: string; request?: { requester: string } } {
  return event.payload as { type: string; request?: { requester: string } };
}

function frameOf(event: StoredEvent): string {
  return eventFrame(event.id, JSON.stringify(event.payload));
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve();
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
