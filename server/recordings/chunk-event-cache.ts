import type { CastEvent } from '../../shared/api/recordings.ts';
import type { Queryable } from '../store/database.ts';
import { eventsOfCastLines } from './cast-lines.ts';
import { readChunksBySeq } from './recording-store.ts';

/**
 * Parsed chunks, least recently used out first once they hold more than `maxChars` of .cast
 * text. Seeking near the last seek and paging through events reuse chunks instead of reading
 * and parsing them again.
 */
export class ChunkEventCache {
  private readonly entries = new Map<string, { events: CastEvent[]; chars: number }>();
  private chars = 0;

  constructor(
    private readonly db: Queryable,
    private readonly maxChars = 64 * 1024 * 1024,
  ) {}

  /** The events of each chunk asked for that exists, by seq. */
  async events(recordingId: string, seqs: readonly number[]): Promise<Map<number, CastEvent[]>> {
    const found = new Map<number, CastEvent[]>();
    const missing: number[] = [];
    for (const seq of seqs) {
      const key = `${recordingId}/${seq}`;
      const entry = this.entries.get(key);
      if (entry === undefined) {
        missing.push(seq);
        continue;
      }
      // Re-inserted: Map order is the recency order.
      this.entries.delete(key);
      this.entries.set(key, entry);
      found.set(seq, entry.events);
    }
    if (missing.length > 0) {
      for (const chunk of await readChunksBySeq(this.db, recordingId, missing)) {
        const events = eventsOfCastLines(chunk.lines);
        found.set(chunk.seq, events);
        this.remember(`${recordingId}/${chunk.seq}`, events, chunk.lines.length);
      }
    }
    return found;
  }

  /** Drops a recording's chunks (when it is deleted). */
  forget(recordingId: string): void {
    for (const [key, entry] of this.entries) {
      if (key.startsWith(`${recordingId}/`)) {
        this.entries.delete(key);
        this.chars -= entry.chars;
      }
    }
  }

  private remember(key: string, events: CastEvent[], chars: number): void {
    if (chars > this.maxChars) return;
    this.entries.set(key, { events, chars });
    this.chars += chars;
    for (const [oldest, entry] of this.entries) {
      if (this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= entry.chars;
    }
  }
}
