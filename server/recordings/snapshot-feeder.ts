import type { CastEvent } from '../../shared/api/recordings.ts';
import type { Queryable } from '../store/database.ts';
import { eventsOfCastLines } from './cast-lines.ts';
import { eventMs } from './recording-positions.ts';
import { latestSnapshot, readChunks } from './recording-store.ts';
import type { StoredSnapshot } from './recording-store.ts';
import { applyEvents, createReplayTerminal } from './replay-terminal.ts';
import type { ReplayTerminal } from './replay-terminal.ts';
import { ScreenTextTracker } from './screen-text-tracker.ts';
import type { ScreenLine } from './screen-text-tracker.ts';
import { restoreSnapshot, snapshotOf } from './terminal-state.ts';

/** Snapshot cadence: bounds how much a seek replays, in session time and in output. */
export interface SnapshotPolicy {
  everyMs: number;
  everyChars: number;
}

export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicy = { everyMs: 5000, everyChars: 256 * 1024 };

/** What feeding one chunk produced, to be stored with it. */
export interface FedChunk {
  snapshots: StoredSnapshot[];
  text: ScreenLine[];
}

/**
 * A live recording's headless terminal: chunks are fed to it in order as they arrive, and it
 * takes the snapshots (every `everyMs` of session time, after `everyChars` of output, and at
 * every resize) and collects the screen text for search.
 *
 * A snapshot that falls where it cannot be exact (inside an escape sequence) is taken at the
 * next event instead.
 */
export class SnapshotFeeder {
  private readonly tracker: ScreenTextTracker;
  private lastSnapshotMs: number;
  private charsSinceSnapshot = 0;
  private snapshotDue = false;

  private constructor(
    private readonly replay: ReplayTerminal,
    /** The next chunk this feeder can take. */
    public nextSeq: number,
    lastSnapshotMs: number,
    private readonly policy: SnapshotPolicy,
  ) {
    this.tracker = new ScreenTextTracker(replay.term);
    this.lastSnapshotMs = lastSnapshotMs;
  }

  /** A feeder for a recording with no chunks yet. */
  static fresh(width: number, height: number, policy: SnapshotPolicy = DEFAULT_SNAPSHOT_POLICY): SnapshotFeeder {
    return new SnapshotFeeder(createReplayTerminal(width, height), 0, 0, policy);
  }

  /**
   * A feeder positioned after the stored chunks before `nextSeq`: from the latest snapshot, with
   * the chunks after it replayed (what another replica, or this one before a restart, fed).
   */
  static async resume(
    db: Queryable,
    recording: { id: string; width: number; height: number },
    nextSeq: number,
    policy: SnapshotPolicy = DEFAULT_SNAPSHOT_POLICY,
  ): Promise<SnapshotFeeder> {
    const snapshot = await latestSnapshot(db, recording.id);
    const replay = snapshot === null ? createReplayTerminal(recording.width, recording.height) : restoreSnapshot(snapshot);
    const from = snapshot?.position ?? { seq: 0, index: 0 };
    const chunks = from.seq < nextSeq ? await readChunks(db, recording.id, { fromSeq: from.seq, toSeq: nextSeq }) : [];
    const feeder = new SnapshotFeeder(replay, nextSeq, snapshot?.tMs ?? 0, policy);
    for (const chunk of chunks) {
      const events = eventsOfCastLines(chunk.lines);
      const rest = chunk.seq === from.seq ? events.slice(from.index) : events;
      applyEvents(replay, rest, (i) => feeder.count(rest[i]!));
    }
    // The screen text up to here is stored already; start tracking from what is shown now.
    feeder.tracker.resync();
    return feeder;
  }

  /** Feeds chunk `seq` (which must be `nextSeq`). Throws if xterm does; the feeder is then unusable. */
  feed(seq: number, events: readonly CastEvent[]): FedChunk {
    if (seq !== this.nextSeq) throw new Error(`feeder expects chunk ${this.nextSeq}, got ${seq}`);
    const fed: FedChunk = { snapshots: [], text: [] };
    applyEvents(this.replay, events, (index) => {
      const event = events[index]!;
      const tMs = eventMs(event);
      this.count(event);
      if (event[1] === 'o' || event[1] === 'r') this.tracker.afterEvent(tMs, fed.text);
      if (!this.snapshotDue) return;
      const snapshot = snapshotOf(this.replay);
      if (snapshot === null) return;
      fed.snapshots.push({ ...snapshot, tMs, position: { seq, index: index + 1 } });
      this.lastSnapshotMs = tMs;
      this.charsSinceSnapshot = 0;
      this.snapshotDue = false;
    });
    this.nextSeq = seq + 1;
    return fed;
  }

  dispose(): void {
    this.replay.term.dispose();
  }

  private count(event: CastEvent): void {
    if (event[1] === 'o') this.charsSinceSnapshot += event[2].length;
    if (event[1] === 'r') this.snapshotDue = true;
    if (eventMs(event) - this.lastSnapshotMs >= this.policy.everyMs || this.charsSinceSnapshot >= this.policy.everyChars) this.snapshotDue = true;
  }
}
