import type { QueryEvent } from '../../../shared/bridge/query-bridge.ts';

interface Unclaimed {
  events: QueryEvent[];
  firstAt: number;
}

/**
 * Routes `query.event`s to the tab that started the query. The broker may emit a query's
 * first events before the `query.run` call returns its id, so events for ids nobody has
 * claimed yet are held briefly and replayed on claim.
 */
export class QueryEventRouter {
  private readonly handlers = new Map<string, (event: QueryEvent) => void>();
  private readonly unclaimed = new Map<string, Unclaimed>();

  constructor(
    private readonly holdMs = 30_000,
    private readonly maxHeldIds = 50,
    private readonly now: () => number = Date.now,
  ) {}

  deliver(event: QueryEvent): void {
    const handler = this.handlers.get(event.queryId);
    if (handler) {
      handler(event);
      return;
    }
    this.prune();
    let held = this.unclaimed.get(event.queryId);
    if (!held) {
      held = { events: [], firstAt: this.now() };
      this.unclaimed.set(event.queryId, held);
      if (this.unclaimed.size > this.maxHeldIds) {
        const oldest = this.unclaimed.keys().next().value;
        if (oldest !== undefined) this.unclaimed.delete(oldest);
      }
    }
    held.events.push(event);
  }

  /** Sends `queryId`'s events to `handler`, those already held first. Returns the release. */
  claim(queryId: string, handler: (event: QueryEvent) => void): () => void {
    this.handlers.set(queryId, handler);
    const held = this.unclaimed.get(queryId);
    this.unclaimed.delete(queryId);
    if (held) for (const event of held.events) handler(event);
    return () => {
      if (this.handlers.get(queryId) === handler) this.handlers.delete(queryId);
    };
  }

  get heldIds(): number {
    return this.unclaimed.size;
  }

  private prune(): void {
    const cutoff = this.now() - this.holdMs;
    for (const [id, held] of this.unclaimed) if (held.firstAt < cutoff) this.unclaimed.delete(id);
  }
}
