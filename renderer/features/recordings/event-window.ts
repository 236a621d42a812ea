import type { CastEvent } from '../../../shared/api/recordings.ts';

/** Events per page asked of the server. */
export const EVENT_PAGE_SIZE = 1000;
/** Ask for the next page when fewer than this many events are left ahead of the play head. */
export const EVENT_LOW_WATER = 300;

export function eventMs(event: CastEvent): number {
  return event[0] * 1000;
}

/**
 * The events just ahead of the play head, never the whole recording: a seek starts a new
 * window with the page the server sent along with the screen, events are dropped as they are
 * played, and the next page is asked for when the window runs low. A page requested before a
 * seek is recognised by its generation and thrown away.
 */
export class EventWindow {
  private events: CastEvent[] = [];
  private head = 0;
  private after: number | null = null;
  private gen = 0;
  private fetching = false;

  constructor(private readonly lowWater = EVENT_LOW_WATER) {}

  /** A seek: the events after the new play head, and where the next page starts. Returns the new generation. */
  reset(events: readonly CastEvent[], nextAfter: number | null): number {
    this.gen += 1;
    this.events = [...events];
    this.head = 0;
    this.after = nextAfter;
    this.fetching = false;
    return this.gen;
  }

  get generation(): number {
    return this.gen;
  }

  /** Where the next page starts, when one should be fetched now (and marks it as being fetched); else null. */
  claimNextPage(): { after: number; generation: number; lastMs: number } | null {
    if (this.fetching || this.after === null || this.remaining >= this.lowWater) return null;
    this.fetching = true;
    const last = this.events[this.events.length - 1];
    return { after: this.after, generation: this.gen, lastMs: last ? eventMs(last) : 0 };
  }

  /** A page arrived; ignored when a seek happened since it was asked for. */
  append(generation: number, events: readonly CastEvent[], nextAfter: number | null): boolean {
    if (generation !== this.gen) return false;
    this.compact();
    for (const event of events) this.events.push(event);
    this.after = nextAfter;
    this.fetching = false;
    return true;
  }

  /** The page could not be fetched; it may be asked for again. */
  pageFailed(generation: number): void {
    if (generation === this.gen) this.fetching = false;
  }

  /** Removes and returns the events due by `ms`. */
  takeUntil(ms: number): CastEvent[] {
    const start = this.head;
    while (this.head < this.events.length && eventMs(this.events[this.head]!) <= ms) this.head++;
    return this.events.slice(start, this.head);
  }

  nextEventMs(): number | null {
    const next = this.events[this.head];
    return next ? eventMs(next) : null;
  }

  get remaining(): number {
    return this.events.length - this.head;
  }

  /** Nothing left to play here, but the server has more: playback waits for the page. */
  get starved(): boolean {
    return this.remaining === 0 && this.after !== null;
  }

  /** Every event up to the end of the recording has been played. */
  get finished(): boolean {
    return this.remaining === 0 && this.after === null;
  }

  /** Events held, played or not: stays within about a page and the low-water mark. */
  get held(): number {
    return this.events.length;
  }

  private compact(): void {
    if (this.head === 0) return;
    this.events = this.events.slice(this.head);
    this.head = 0;
  }
}
