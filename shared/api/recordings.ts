import { z } from 'zod';

/**
 * Terminal recordings are asciicast v2: a header line, then events `[seconds, code, data]` with
 * code `o` (output), `i` (input, only when the policy asks), `r` (resize "COLSxROWS"), `m` (marker).
 */
export const castHeaderSchema = z.object({
  version: z.literal(2),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  timestamp: z.number().int().optional(),
  env: z.record(z.string(), z.string()).optional(),
  title: z.string().optional(),
});
export type CastHeader = z.infer<typeof castHeaderSchema>;

export const castEventCodeSchema = z.enum(['o', 'i', 'r', 'm']);
export type CastEventCode = z.infer<typeof castEventCodeSchema>;

export const castEventSchema = z.tuple([z.number().nonnegative(), castEventCodeSchema, z.string()]);
export type CastEvent = z.infer<typeof castEventSchema>;

/** The data of an `r` event. */
export function formatResize(cols: number, rows: number): string {
  return `${cols}x${rows}`;
}

/** The size an `r` event names; null when its data is not `COLSxROWS` with positive sizes. */
export function parseResize(data: string): { cols: number; rows: number } | null {
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(data);
  if (match === null) return null;
  const cols = Number(match[1]);
  const rows = Number(match[2]);
  return cols > 0 && rows > 0 ? { cols, rows } : null;
}

/** POST /v1/recordings: the broker announces a session before its first chunk. Idempotent by id. */
export const recordingStartSchema = z.object({
  id: z.string().uuid(),
  connection: z.string(),
  host: z.string(),
  brokerSessionId: z.string(),
  startedAt: z.string(),
  header: castHeaderSchema,
});
export type RecordingStart = z.infer<typeof recordingStartSchema>;

/** The most events one chunk may carry; the broker's uploader stays far below. */
export const MAX_CHUNK_EVENTS = 100_000;

/**
 * PUT /v1/recordings/:id/chunks/:seq — chunks are numbered from 0 and uploaded in order; a
 * chunk already stored with the same content is acknowledged again (idempotent), a gap or a
 * different chunk under a stored number is 409 with `expectedSeq` (recordingChunkConflictSchema).
 */
export const recordingChunkSchema = z.object({
  /** Must equal the :seq of the path. */
  seq: z.number().int().nonnegative(),
  /** Events of this chunk, in order; times are seconds since the recording started. */
  events: z.array(castEventSchema).min(1).max(MAX_CHUNK_EVENTS),
});
export type RecordingChunk = z.infer<typeof recordingChunkSchema>;

/** 200 answer to a chunk PUT. */
export const recordingChunkAckSchema = z.object({
  seq: z.number().int(),
  /** The next chunk number the server expects. */
  nextSeq: z.number().int(),
  /** true: the chunk was already stored (a re-send), nothing changed. */
  duplicate: z.boolean(),
});
export type RecordingChunkAck = z.infer<typeof recordingChunkAckSchema>;

/** 409 answer to a chunk PUT: send chunk `expectedSeq` next. */
export const recordingChunkConflictSchema = z.object({
  error: z.literal('conflict'),
  message: z.string(),
  expectedSeq: z.number().int().nonnegative(),
});
export type RecordingChunkConflict = z.infer<typeof recordingChunkConflictSchema>;

/** POST /v1/recordings/:id/end */
export const recordingEndSchema = z.object({
  endedAt: z.string(),
  exitStatus: z.number().int().nullable(),
  /** Number of chunks the broker produced, so the server knows when it has them all. */
  chunks: z.number().int().nonnegative(),
});
export type RecordingEnd = z.infer<typeof recordingEndSchema>;

export const recordingSummarySchema = z.object({
  id: z.string(),
  connection: z.string(),
  host: z.string(),
  /** The broker session the recording belongs to: audit events carry it as `sessionId`. */
  brokerSessionId: z.string(),
  /** The name of the principal that uploaded it (the broker's signed-in user). */
  user: z.string(),
  userMachine: z.boolean(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** Time of the last event received. */
  durationMs: z.number().nonnegative(),
  /** Size of the event lines of the .cast (everything but the header line), in bytes. */
  bytes: z.number().int().nonnegative(),
  exitStatus: z.number().int().nullable(),
  width: z.number().int(),
  height: z.number().int(),
  chunks: z.number().int(),
  /** Ended, and every chunk the broker announced is stored. */
  complete: z.boolean(),
});
export type RecordingSummary = z.infer<typeof recordingSummarySchema>;

/** GET /v1/recordings: newest first. */
export const recordingListQuerySchema = z.object({
  user: z.string().optional(),
  connection: z.string().optional(),
  host: z.string().optional(),
  /** ISO-8601: recordings that started at or after. */
  from: z.string().optional(),
  /** ISO-8601: recordings that started before. */
  to: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type RecordingListQuery = z.infer<typeof recordingListQuerySchema>;

export const recordingListSchema = z.object({ recordings: z.array(recordingSummarySchema) });

/** GET /v1/recordings/:id/screen */
export const recordingScreenQuerySchema = z.object({
  /** Milliseconds since the recording started. */
  t: z.coerce.number().nonnegative(),
  /** A previous page's `nextAfter`: events after that one instead of after t. */
  after: z.coerce.number().int().nonnegative().optional(),
  /** Events per page; a page also ends after about 4 MiB of event data. 0: the screen alone. */
  limit: z.coerce.number().int().min(0).max(10_000).default(1000),
});
export type RecordingScreenQuery = z.infer<typeof recordingScreenQuerySchema>;

/**
 * GET /v1/recordings/:id/screen?t=<ms>: the screen at time t (every event at or before t
 * applied) and the events after t, paged.
 */
export const recordingScreenSchema = z.object({
  t: z.number().nonnegative(),
  width: z.number().int(),
  height: z.number().int(),
  /** Output of @xterm/addon-serialize: write it into a fresh terminal of this size. */
  screen: z.string(),
  events: z.array(castEventSchema),
  /** Pass as `after` to get the next page of events (an opaque position); null at the end. */
  nextAfter: z.number().nullable(),
});
export type RecordingScreen = z.infer<typeof recordingScreenSchema>;

/** GET /v1/recordings/search?q= */
export const recordingSearchQuerySchema = z.object({
  q: z.string().min(1).max(200),
  user: z.string().optional(),
  connection: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  /** Recordings in the answer, most hits first. */
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type RecordingSearchQuery = z.infer<typeof recordingSearchQuerySchema>;

/**
 * Each hit is one line of screen text containing q (case-insensitive), at the time of the
 * event that made the line appear; `hits` lists at most 100 of them, `hitCount` counts all.
 */
export const recordingSearchSchema = z.object({
  results: z.array(
    z.object({
      recording: recordingSummarySchema,
      hits: z.array(z.object({ t: z.number(), line: z.string() })),
      hitCount: z.number().int(),
    }),
  ),
});
export type RecordingSearch = z.infer<typeof recordingSearchSchema>;
