import type { CastHeader, RecordingSummary } from '../../shared/api/recordings.ts';
import { castHeaderSchema } from '../../shared/api/recordings.ts';
import type { Queryable } from '../store/database.ts';
import type { EventPosition } from './recording-positions.ts';
import type { TerminalSnapshot } from './terminal-state.ts';
import { terminalStateSchema } from './terminal-state.ts';

/*
 * The recordings tables (migration 005). Chunk texts are read only where a caller asks for a
 * range of chunks: a listing or a search never loads them.
 */

const RECORDING_COLUMNS = `id::text as id, connection, host, broker_session_id, user_name, user_subject, user_machine,
  started_at, ended_at, exit_status, header, width, height, bytes, chunk_count, duration_ms, expected_chunks, complete`;

export interface RecordingRow {
  id: string;
  connection: string;
  host: string;
  broker_session_id: string;
  user_name: string;
  user_subject: string;
  user_machine: boolean;
  started_at: Date;
  ended_at: Date | null;
  exit_status: number | null;
  /** The .cast header line's JSON. */
  header: string;
  width: number;
  height: number;
  bytes: number;
  chunk_count: number;
  duration_ms: number;
  expected_chunks: number | null;
  complete: boolean;
}

export function recordingSummaryOf(row: RecordingRow): RecordingSummary {
  return {
    id: row.id,
    connection: row.connection,
    host: row.host,
    brokerSessionId: row.broker_session_id,
    user: row.user_name,
    userMachine: row.user_machine,
    startedAt: row.started_at.toISOString(),
    endedAt: row.ended_at === null ? null : row.ended_at.toISOString(),
    durationMs: Number(row.duration_ms),
    bytes: Number(row.bytes),
    exitStatus: row.exit_status === null ? null : Number(row.exit_status),
    width: Number(row.width),
    height: Number(row.height),
    chunks: Number(row.chunk_count),
    complete: row.complete,
  };
}

/**
 * Who may read which recordings: null reads all; otherwise only those uploaded by this subject.
 * Applied in SQL, so a recording the caller may not read is indistinguishable from none.
 */
export type RecordingReader = { subject: string } | null;

export interface NewRecording {
  id: string;
  connection: string;
  host: string;
  brokerSessionId: string;
  userName: string;
  userSubject: string;
  userMachine: boolean;
  startedAt: Date;
  header: CastHeader;
}

/** false when the id is taken. */
export async function insertRecording(db: Queryable, recording: NewRecording): Promise<boolean> {
  const rows = await db.query(
    `insert into recordings (id, connection, host, broker_session_id, user_name, user_subject, user_machine, started_at, header, width, height)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (id) do nothing
     returning id`,
    [
      recording.id,
      recording.connection,
      recording.host,
      recording.brokerSessionId,
      recording.userName,
      recording.userSubject,
      recording.userMachine,
      recording.startedAt,
      // Through the schema: the same key order as the broker's header line.
      JSON.stringify(castHeaderSchema.parse(recording.header)),
      recording.header.width,
      recording.header.height,
    ],
  );
  return rows.length === 1;
}

export async function getRecording(db: Queryable, id: string, reader: RecordingReader = null): Promise<RecordingRow | null> {
  const params: unknown[] = [id];
  let where = 'id = $1::uuid';
  if (reader !== null) {
    params.push(reader.subject);
    where += ' and user_subject = $2';
  }
  const [row] = await db.query<RecordingRow>(`select ${RECORDING_COLUMNS} from recordings where ${where}`, params);
  return row ?? null;
}

export interface RecordingFilters {
  user?: string | undefined;
  connection?: string | undefined;
  host?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** `where` text and parameters for the filters and the reader, numbered from `$1 + offset`. */
export function recordingWhere(filters: RecordingFilters, reader: RecordingReader, offset = 0, alias = ''): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: (placeholder: string) => string, value: unknown): void => {
    params.push(value);
    conditions.push(condition(`$${offset + params.length}`));
  };
  if (reader !== null) add((p) => `${alias}user_subject = ${p}`, reader.subject);
  if (filters.user !== undefined) add((p) => `${alias}user_name = ${p}`, filters.user);
  if (filters.connection !== undefined) add((p) => `${alias}connection = ${p}`, filters.connection);
  if (filters.host !== undefined) add((p) => `${alias}host = ${p}`, filters.host);
  if (filters.from !== undefined) add((p) => `${alias}started_at >= ${p}`, filters.from);
  if (filters.to !== undefined) add((p) => `${alias}started_at < ${p}`, filters.to);
  return { sql: conditions.length === 0 ? 'true' : conditions.join(' and '), params };
}

export async function listRecordings(db: Queryable, filters: RecordingFilters, reader: RecordingReader, limit: number): Promise<RecordingRow[]> {
  const where = recordingWhere(filters, reader);
  return db.query<RecordingRow>(
    `select ${RECORDING_COLUMNS} from recordings where ${where.sql} order by started_at desc, id limit $${where.params.length + 1}`,
    [...where.params, limit],
  );
}

export async function chunkDigest(db: Queryable, id: string, seq: number): Promise<string | null> {
  const [row] = await db.query<{ digest: string }>('select digest from recording_chunks where recording_id = $1::uuid and seq = $2', [id, seq]);
  return row?.digest ?? null;
}

/** End time (ms) of the chunk before `seq`; 0 for the first. */
export async function previousChunkEnd(db: Queryable, id: string, seq: number): Promise<number> {
  if (seq === 0) return 0;
  const [row] = await db.query<{ end_ms: number }>('select end_ms from recording_chunks where recording_id = $1::uuid and seq = $2', [id, seq - 1]);
  return row === undefined ? 0 : Number(row.end_ms);
}

export interface NewChunk {
  seq: number;
  startMs: number;
  endMs: number;
  eventCount: number;
  bytes: number;
  digest: string;
  lines: string;
}

/**
 * Stores chunk `chunk.seq` if it is the next one, and moves the recording on; false (nothing
 * written) if another request stored that number first.
 */
export async function appendChunk(tx: Queryable, id: string, chunk: NewChunk): Promise<boolean> {
  const advanced = await tx.query(
    `update recordings
        set chunk_count = chunk_count + 1,
            bytes = bytes + $3,
            duration_ms = greatest(duration_ms, $4),
            complete = ended_at is not null and expected_chunks is not null and chunk_count + 1 >= expected_chunks
      where id = $1::uuid and chunk_count = $2
      returning id`,
    [id, chunk.seq, chunk.bytes, chunk.endMs],
  );
  if (advanced.length === 0) return false;
  await tx.query(
    `insert into recording_chunks (recording_id, seq, start_ms, end_ms, event_count, bytes, digest, lines)
     values ($1::uuid, $2, $3, $4, $5, $6, $7, $8)`,
    [id, chunk.seq, chunk.startMs, chunk.endMs, chunk.eventCount, chunk.bytes, chunk.digest, chunk.lines],
  );
  return true;
}

export interface StoredSnapshot extends TerminalSnapshot {
  tMs: number;
  /** The next event to apply after restoring. */
  position: EventPosition;
}

export async function insertSnapshots(tx: Queryable, id: string, snapshots: readonly StoredSnapshot[]): Promise<void> {
  for (const snapshot of snapshots) {
    await tx.query(
      `insert into recording_snapshots (recording_id, t_ms, chunk_seq, event_index, width, height, screen, state)
       values ($1::uuid, $2, $3, $4, $5, $6, $7, $8::jsonb)
       on conflict do nothing`,
      [id, snapshot.tMs, snapshot.position.seq, snapshot.position.index, snapshot.width, snapshot.height, snapshot.screen, JSON.stringify(snapshot.state)],
    );
  }
}

interface SnapshotRow {
  t_ms: number;
  chunk_seq: number;
  event_index: number;
  width: number;
  height: number;
  screen: string;
  state: unknown;
}

function snapshotOfRow(row: SnapshotRow): StoredSnapshot {
  return {
    tMs: Number(row.t_ms),
    position: { seq: Number(row.chunk_seq), index: Number(row.event_index) },
    width: Number(row.width),
    height: Number(row.height),
    screen: row.screen,
    state: terminalStateSchema.parse(row.state),
  };
}

const SNAPSHOT_COLUMNS = 't_ms, chunk_seq, event_index, width, height, screen, state';

/** The latest snapshot taken at or before tMs (every event it covers is at or before tMs). */
export async function snapshotAtOrBefore(db: Queryable, id: string, tMs: number): Promise<StoredSnapshot | null> {
  const [row] = await db.query<SnapshotRow>(
    `select ${SNAPSHOT_COLUMNS} from recording_snapshots
      where recording_id = $1::uuid and t_ms <= $2
      order by t_ms desc, chunk_seq desc, event_index desc limit 1`,
    [id, tMs],
  );
  return row === undefined ? null : snapshotOfRow(row);
}

/** The snapshot furthest into the recording. */
export async function latestSnapshot(db: Queryable, id: string): Promise<StoredSnapshot | null> {
  const [row] = await db.query<SnapshotRow>(
    `select ${SNAPSHOT_COLUMNS} from recording_snapshots where recording_id = $1::uuid order by chunk_seq desc, event_index desc limit 1`,
    [id],
  );
  return row === undefined ? null : snapshotOfRow(row);
}

export interface ChunkLines {
  seq: number;
  lines: string;
}

export interface ChunkRange {
  fromSeq: number;
  /** Exclusive. */
  toSeq?: number;
  /** Only chunks whose first event is at or before this time. */
  startingBy?: number;
  limit?: number;
}

/** Chunks of a range, in order. */
export async function readChunks(db: Queryable, id: string, range: ChunkRange): Promise<ChunkLines[]> {
  const params: unknown[] = [id, range.fromSeq];
  let where = 'recording_id = $1::uuid and seq >= $2';
  if (range.toSeq !== undefined) {
    params.push(range.toSeq);
    where += ` and seq < $${params.length}`;
  }
  if (range.startingBy !== undefined) {
    params.push(range.startingBy);
    where += ` and start_ms <= $${params.length}`;
  }
  let limit = '';
  if (range.limit !== undefined) {
    params.push(range.limit);
    limit = ` limit $${params.length}`;
  }
  const rows = await db.query<{ seq: number; lines: string }>(`select seq, lines from recording_chunks where ${where} order by seq${limit}`, params);
  return rows.map((row) => ({ seq: Number(row.seq), lines: row.lines }));
}

export async function readChunksBySeq(db: Queryable, id: string, seqs: readonly number[]): Promise<ChunkLines[]> {
  const rows = await db.query<{ seq: number; lines: string }>(
    'select seq, lines from recording_chunks where recording_id = $1::uuid and seq = any($2::int[]) order by seq',
    [id, seqs],
  );
  return rows.map((row) => ({ seq: Number(row.seq), lines: row.lines }));
}

/** Numbers of the chunks from `fromSeq` on whose first event is at or before `tMs`. */
export async function chunkSeqsStartingBy(db: Queryable, id: string, fromSeq: number, tMs: number): Promise<number[]> {
  const rows = await db.query<{ seq: number }>(
    'select seq from recording_chunks where recording_id = $1::uuid and seq >= $2 and start_ms <= $3 order by seq',
    [id, fromSeq, tMs],
  );
  return rows.map((row) => Number(row.seq));
}

export async function insertScreenText(tx: Queryable, id: string, seq: number, lines: readonly { t: number; text: string }[]): Promise<void> {
  if (lines.length === 0) return;
  await tx.query(
    `insert into recording_text (recording_id, chunk_seq, lines, times) values ($1::uuid, $2, $3, $4::jsonb) on conflict do nothing`,
    [id, seq, lines.map((line) => line.text).join('\n'), JSON.stringify(lines.map((line) => line.t))],
  );
}

export interface TextMatchRow {
  recording_id: string;
  chunk_seq: number;
  lines: string;
  times: number[];
}

/** Screen text of the readable, filtered recordings containing `needle` (case-insensitive), in recording and time order. */
export async function findScreenText(db: Queryable, needle: string, filters: RecordingFilters, reader: RecordingReader): Promise<TextMatchRow[]> {
  const where = recordingWhere(filters, reader, 1, 'r.');
  return db.query<TextMatchRow>(
    `select t.recording_id::text as recording_id, t.chunk_seq, t.lines, t.times
       from recording_text t join recordings r on r.id = t.recording_id
      where strpos(lower(t.lines), lower($1)) > 0 and ${where.sql}
      order by t.recording_id, t.chunk_seq`,
    [needle, ...where.params],
  );
}

export async function getRecordingsByIds(db: Queryable, ids: readonly string[]): Promise<RecordingRow[]> {
  if (ids.length === 0) return [];
  return db.query<RecordingRow>(`select ${RECORDING_COLUMNS} from recordings where id = any($1::uuid[])`, [ids]);
}

/** Records the end; false if the recording already ended with a different chunk count. */
export async function markRecordingEnded(tx: Queryable, id: string, end: { endedAt: Date; exitStatus: number | null; chunks: number }): Promise<boolean> {
  const rows = await tx.query(
    `update recordings
        set ended_at = coalesce(ended_at, $2),
            exit_status = case when ended_at is null then $3 else exit_status end,
            expected_chunks = $4,
            complete = chunk_count >= $4
      where id = $1::uuid and (expected_chunks is null or expected_chunks = $4) and chunk_count <= $4
      returning id`,
    [id, end.endedAt, end.exitStatus, end.chunks],
  );
  return rows.length === 1;
}
