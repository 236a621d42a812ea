import { createHash } from 'node:crypto';
import type { Principal } from '../../shared/api/identity.ts';
import type { CastEvent, RecordingChunkAck, RecordingEnd, RecordingStart, RecordingSummary } from '../../shared/api/recordings.ts';
import type { Logger } from '../http/logger.ts';
import { badRequest, conflict, notFound } from '../http/http-errors.ts';
import type { Database } from '../store/database.ts';
import { AsyncMutex } from '../store/async-mutex.ts';
import { castLinesOf } from './cast-lines.ts';
import { eventMs } from './recording-positions.ts';
import {
  appendChunk,
  chunkDigest,
  getRecording,
  insertRecording,
  insertScreenText,
  insertSnapshots,
  markRecordingEnded,
  previousChunkEnd,
  recordingSummaryOf,
} from './recording-store.ts';
import type { RecordingRow } from './recording-store.ts';
import { ScreenSeeker } from './screen-seeker.ts';
import { DEFAULT_SNAPSHOT_POLICY, SnapshotFeeder } from './snapshot-feeder.ts';
import type { FedChunk, SnapshotPolicy } from './snapshot-feeder.ts';

export type ChunkOutcome = { stored: RecordingChunkAck } | { conflict: { expectedSeq: number; message: string } };

export interface RecordingServiceOptions {
  snapshotPolicy?: SnapshotPolicy;
  /** Live recordings whose terminal is kept in memory between chunks. Default 32. */
  maxLiveTerminals?: number;
}

/**
 * Takes recordings in from brokers: start, numbered chunks (idempotent, in order), end. Each
 * chunk is fed to the recording's headless terminal before it is stored, and its snapshots
 * and screen text are stored in the same transaction as the chunk, so a stored chunk always
 * has them. The terminal stays in memory while chunks keep coming; a chunk that lands on
 * another replica (or after a restart) rebuilds it from the latest snapshot.
 */
export class RecordingService {
  readonly seeker: ScreenSeeker;
  private readonly feeders = new Map<string, SnapshotFeeder>();
  private readonly locks = new Map<string, { mutex: AsyncMutex; users: number }>();
  private readonly policy: SnapshotPolicy;
  private readonly maxLiveTerminals: number;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    opts: RecordingServiceOptions = {},
  ) {
    this.seeker = new ScreenSeeker(db);
    this.policy = opts.snapshotPolicy ?? DEFAULT_SNAPSHOT_POLICY;
    this.maxLiveTerminals = opts.maxLiveTerminals ?? 32;
  }

  /** Idempotent by id: the same start again answers the stored recording; `created` says which. */
  async start(principal: Principal, start: RecordingStart): Promise<{ created: boolean; recording: RecordingSummary }> {
    const startedAt = new Date(start.startedAt);
    if (Number.isNaN(startedAt.getTime())) throw badRequest(`startedAt "${start.startedAt}" is not a date`);
    const [connection] = await this.db.query('select name from connections where name = $1', [start.connection]);
    if (connection === undefined) throw notFound(`no connection "${start.connection}"`);
    const created = await insertRecording(this.db, {
      id: start.id,
      connection: start.connection,
      host: start.host,
      brokerSessionId: start.brokerSessionId,
      userName: principal.name,
      userSubject: principal.subject,
      userMachine: principal.machine,
      startedAt,
      header: start.header,
    });
    const row = await getRecording(this.db, start.id);
    if (row === null) throw new Error(`recording ${start.id} vanished after insert`);
    if (!created) {
      const same =
        row.user_subject === principal.subject &&
        row.connection === start.connection &&
        row.host === start.host &&
        row.broker_session_id === start.brokerSessionId;
      if (!same) throw conflict(`recording ${start.id} exists with other details`);
    }
    return { created, recording: recordingSummaryOf(row) };
  }

  async putChunk(principal: Principal, id: string, seq: number, events: readonly CastEvent[]): Promise<ChunkOutcome> {
    return this.exclusive(id, async () => {
      const row = await this.ownRecording(principal, id);
      const lines = castLinesOf(events);
      const digest = createHash('sha256').update(lines).digest('hex');
      const expectedSeq = Number(row.chunk_count);
      if (seq < expectedSeq) {
        if ((await chunkDigest(this.db, id, seq)) === digest) return { stored: { seq, nextSeq: expectedSeq, duplicate: true } };
        return { conflict: { expectedSeq, message: `chunk ${seq} is stored with other content; next expected is ${expectedSeq}` } };
      }
      if (seq > expectedSeq) return { conflict: { expectedSeq, message: `chunk ${seq} would leave a gap; next expected is ${expectedSeq}` } };
      if (row.expected_chunks !== null && seq >= Number(row.expected_chunks)) {
        return { conflict: { expectedSeq, message: `the recording ended with ${row.expected_chunks} chunks; chunk ${seq} is one too many` } };
      }
      await this.checkTimes(id, seq, events);

      const fed = await this.feed(row, seq, events);
      const stored = await this.db
        .transaction(async (tx) => {
          const appended = await appendChunk(tx, id, {
            seq,
            startMs: eventMs(events[0]!),
            endMs: eventMs(events[events.length - 1]!),
            eventCount: events.length,
            bytes: Buffer.byteLength(lines),
            digest,
            lines,
          });
          if (!appended) return false;
          await insertSnapshots(tx, id, fed.snapshots);
          await insertScreenText(tx, id, seq, fed.text);
          return true;
        })
        .catch((err: unknown) => {
          this.dropFeeder(id);
          throw err;
        });
      if (!stored) {
        // Another replica stored this number first; our terminal went ahead for nothing.
        this.dropFeeder(id);
        const now = await getRecording(this.db, id);
        const next = Number(now?.chunk_count ?? expectedSeq);
        return { conflict: { expectedSeq: next, message: `chunk ${seq} was stored concurrently; next expected is ${next}` } };
      }
      const after = await getRecording(this.db, id);
      if (after?.complete === true) this.dropFeeder(id);
      return { stored: { seq, nextSeq: seq + 1, duplicate: false } };
    });
  }

  async end(principal: Principal, id: string, end: RecordingEnd): Promise<RecordingSummary> {
    return this.exclusive(id, async () => {
      const row = await this.ownRecording(principal, id);
      const endedAt = new Date(end.endedAt);
      if (Number.isNaN(endedAt.getTime())) throw badRequest(`endedAt "${end.endedAt}" is not a date`);
      const ended = await this.db.transaction((tx) => markRecordingEnded(tx, id, { endedAt, exitStatus: end.exitStatus, chunks: end.chunks }));
      if (!ended) {
        throw conflict(`recording ${id} has ${row.chunk_count} chunks stored${row.expected_chunks === null ? '' : ` and ended with ${row.expected_chunks}`}; cannot end with ${end.chunks}`);
      }
      const now = (await getRecording(this.db, id))!;
      if (now.complete) this.dropFeeder(id);
      return recordingSummaryOf(now);
    });
  }

  /** Forgets a deleted recording's terminals and cached chunks. */
  forget(id: string): void {
    this.dropFeeder(id);
    this.seeker.forget(id);
  }

  close(): void {
    for (const id of [...this.feeders.keys()]) this.dropFeeder(id);
  }

  /** Writes by anyone but the uploader look like writes to a recording that does not exist. */
  private async ownRecording(principal: Principal, id: string): Promise<RecordingRow> {
    const row = await getRecording(this.db, id, { subject: principal.subject });
    if (row === null) throw notFound(`no recording ${id}`);
    return row;
  }

  /** Seeking needs time order: within the chunk, and after the chunk before. */
  private async checkTimes(id: string, seq: number, events: readonly CastEvent[]): Promise<void> {
    let previous = await previousChunkEnd(this.db, id, seq);
    for (let i = 0; i < events.length; i++) {
      const t = eventMs(events[i]!);
      if (t < previous) throw badRequest(`event ${i} of chunk ${seq} is earlier than the event before it`);
      previous = t;
    }
  }

  private async feed(row: RecordingRow, seq: number, events: readonly CastEvent[]): Promise<FedChunk> {
    try {
      let feeder = this.feeders.get(row.id);
      if (feeder === undefined || feeder.nextSeq !== seq) {
        this.dropFeeder(row.id);
        feeder = seq === 0 ? SnapshotFeeder.fresh(Number(row.width), Number(row.height), this.policy) : await SnapshotFeeder.resume(this.db, { id: row.id, width: Number(row.width), height: Number(row.height) }, seq, this.policy);
      } else {
        this.feeders.delete(row.id);
      }
      // Re-inserted: Map order is the recency order.
      this.feeders.set(row.id, feeder);
      for (const [oldest] of this.feeders) {
        if (this.feeders.size <= this.maxLiveTerminals) break;
        this.dropFeeder(oldest);
      }
      return feeder.feed(seq, events);
    } catch (err) {
      // The chunk is stored regardless: losing recorded output is worse than a missing snapshot.
      this.dropFeeder(row.id);
      this.log.warn({ err, recording: row.id, seq }, 'recording chunk could not be replayed; stored without snapshots or screen text');
      return { snapshots: [], text: [] };
    }
  }

  private dropFeeder(id: string): void {
    const feeder = this.feeders.get(id);
    if (feeder === undefined) return;
    this.feeders.delete(id);
    feeder.dispose();
  }

  private async exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    let lock = this.locks.get(id);
    if (lock === undefined) {
      lock = { mutex: new AsyncMutex(), users: 0 };
      this.locks.set(id, lock);
    }
    lock.users++;
    try {
      return await lock.mutex.run(fn);
    } finally {
      lock.users--;
      if (lock.users === 0) this.locks.delete(id);
    }
  }
}
