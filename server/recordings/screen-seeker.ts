import type { CastEvent, RecordingScreen } from '../../shared/api/recordings.ts';
import type { Queryable } from '../store/database.ts';
import { ChunkEventCache } from './chunk-event-cache.ts';
import { comparePositions, decodePosition, encodePosition, eventMs } from './recording-positions.ts';
import type { EventPosition } from './recording-positions.ts';
import { chunkSeqsStartingBy, snapshotAtOrBefore } from './recording-store.ts';
import { applyEvents, createReplayTerminal, serializeScreen } from './replay-terminal.ts';
import type { ReplayTerminal } from './replay-terminal.ts';
import { restoreSnapshot } from './terminal-state.ts';

/** A terminal left where the last seek stopped: the next seek forward in that recording continues from it. */
interface ParkedReplay {
  recordingId: string;
  replay: ReplayTerminal;
  /** The first event not applied. */
  next: EventPosition;
  /** Time of the last event applied: the terminal shows the screen for any t from here to the next event. */
  lastMs: number;
}

export interface SeekTarget {
  id: string;
  width: number;
  height: number;
  /** Chunks stored: events beyond them do not exist yet. */
  chunks: number;
}

export interface EventPage {
  /** Exclusive: events after this one (a previous page's nextAfter). Default: the events after t. */
  after?: number | undefined;
  limit: number;
}

const CHUNKS_PER_PAGE_READ = 4;
/** A page stops growing past this much event data (a page holds at least one event). */
const MAX_PAGE_CHARS = 4 * 1024 * 1024;

/**
 * The screen of a recording at any time t, fast: from the nearest snapshot at or before t
 * (they are at most ~5 s of session time apart, and taken at every resize) only the events up
 * to t are replayed, from the chunks that hold them. A few terminals are kept where the last
 * seeks left them, so playing forward or paging never replays anything twice.
 */
export class ScreenSeeker {
  private readonly parked: ParkedReplay[] = [];
  private readonly chunks: ChunkEventCache;

  constructor(
    private readonly db: Queryable,
    private readonly maxParked = 4,
    chunkCacheChars?: number,
  ) {
    this.chunks = new ChunkEventCache(db, chunkCacheChars);
  }

  async screenAt(recording: SeekTarget, tMs: number, page: EventPage): Promise<RecordingScreen> {
    const start = await this.startingPoint(recording, tMs);
    try {
      await this.replayUntil(recording, start, tMs);
    } catch (err) {
      // The terminal's state is unknown after a failed write; it is not parked again.
      start.replay.term.dispose();
      throw err;
    }
    const screen = serializeScreen(start.replay);
    const { cols, rows } = start.replay.term;
    const next = start.next;
    this.park(start);
    const from = page.after === undefined ? next : followingPosition(decodePosition(page.after));
    const { events, nextAfter } = await this.eventsFrom(recording, from, page.limit);
    return { t: tMs, width: cols, height: rows, screen, events, nextAfter };
  }

  /** Forgets everything held for a recording (after it was deleted). */
  forget(recordingId: string): void {
    for (let i = this.parked.length - 1; i >= 0; i--) {
      if (this.parked[i]!.recordingId !== recordingId) continue;
      this.parked[i]!.replay.term.dispose();
      this.parked.splice(i, 1);
    }
    this.chunks.forget(recordingId);
  }

  private async startingPoint(recording: SeekTarget, tMs: number): Promise<ParkedReplay> {
    const snapshot = await snapshotAtOrBefore(this.db, recording.id, tMs);
    // A parked terminal is as good as the snapshot if it is at or past it and not past t.
    let best = -1;
    for (let i = 0; i < this.parked.length; i++) {
      const candidate = this.parked[i]!;
      if (candidate.recordingId !== recording.id || candidate.lastMs > tMs) continue;
      if (snapshot !== null && comparePositions(candidate.next, snapshot.position) < 0) continue;
      if (best === -1 || comparePositions(candidate.next, this.parked[best]!.next) > 0) best = i;
    }
    if (best !== -1) return this.parked.splice(best, 1)[0]!;
    if (snapshot === null) {
      return { recordingId: recording.id, replay: createReplayTerminal(recording.width, recording.height), next: { seq: 0, index: 0 }, lastMs: 0 };
    }
    return { recordingId: recording.id, replay: restoreSnapshot(snapshot), next: snapshot.position, lastMs: snapshot.tMs };
  }

  /** Applies every event from `point.next` whose time is at or before tMs. */
  private async replayUntil(recording: SeekTarget, point: ParkedReplay, tMs: number): Promise<void> {
    const seqs = (await chunkSeqsStartingBy(this.db, recording.id, point.next.seq, tMs)).filter((seq) => seq < recording.chunks);
    const bySeq = await this.chunks.events(recording.id, seqs);
    for (const seq of seqs) {
      const events = bySeq.get(seq);
      if (events === undefined) break;
      const first = seq === point.next.seq ? point.next.index : 0;
      let end = first;
      while (end < events.length && eventMs(events[end]!) <= tMs) end++;
      if (end > first) {
        applyEvents(point.replay, events.slice(first, end));
        point.lastMs = eventMs(events[end - 1]!);
      }
      point.next = end === events.length ? { seq: seq + 1, index: 0 } : { seq, index: end };
      if (end < events.length) break;
    }
  }

  private park(point: ParkedReplay): void {
    this.parked.unshift(point);
    for (const evicted of this.parked.splice(this.maxParked)) evicted.replay.term.dispose();
  }

  /** Up to `limit` events (and about MAX_PAGE_CHARS of data) from `from` on, and the position to continue after them (null at the end). */
  private async eventsFrom(recording: SeekTarget, from: EventPosition, limit: number): Promise<{ events: CastEvent[]; nextAfter: number | null }> {
    if (limit === 0) return { events: [], nextAfter: null };
    const events: CastEvent[] = [];
    let last: EventPosition | null = null;
    let more = false;
    let chars = 0;
    let seq = from.seq;
    reading: while (seq < recording.chunks) {
      const seqs: number[] = [];
      for (let s = seq; s < Math.min(recording.chunks, seq + CHUNKS_PER_PAGE_READ); s++) seqs.push(s);
      const bySeq = await this.chunks.events(recording.id, seqs);
      for (const s of seqs) {
        const chunk = bySeq.get(s) ?? [];
        for (let index = s === from.seq ? from.index : 0; index < chunk.length; index++) {
          // One event past the page says whether another page exists.
          if (events.length === limit || (events.length > 0 && chars >= MAX_PAGE_CHARS)) {
            more = true;
            break reading;
          }
          events.push(chunk[index]!);
          chars += chunk[index]![2].length;
          last = { seq: s, index };
        }
      }
      seq += seqs.length;
    }
    return { events, nextAfter: more && last !== null ? encodePosition(last) : null };
  }
}

function followingPosition(position: EventPosition): EventPosition {
  return { seq: position.seq, index: position.index + 1 };
}
