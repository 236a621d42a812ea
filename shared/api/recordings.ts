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

export const castEventSchema = z.tuple([z.number().nonnegative(), z.enum(['o', 'i', 'r', 'm']), z.string()]);
export type CastEvent = z.infer<typeof castEventSchema>;

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

/**
 * PUT /v1/recordings/:id/chunks/:seq — chunks are numbered from 0 and uploaded in order; a
 * chunk already stored with the same content is acknowledged again (idempotent), a gap is 409.
 */
export const recordingChunkSchema = z.object({
  seq: z.number().int().nonnegative(),
  /** Events of this chunk, in order; times are seconds since the recording started. */
  events: z.array(castEventSchema).max(100_000),
});
export type RecordingChunk = z.infer<typeof recordingChunkSchema>;

/** POST /v1/recordings/:id/end */
export const recordingEndSchema = z.object({
  endedAt: z.string(),
  exitStatus: z.number().int().nullable(),
  /** Number of chunks the broker produced, so the server knows when it has them all. */
  chunks: z.number().int().nonnegative(),
});

export const recordingSummarySchema = z.object({
  id: z.string(),
  connection: z.string(),
  host: z.string(),
  user: z.string(),
  userMachine: z.boolean(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  bytes: z.number().int().nonnegative(),
  exitStatus: z.number().int().nullable(),
  width: z.number().int(),
  height: z.number().int(),
  chunks: z.number().int(),
  complete: z.boolean(),
});
export type RecordingSummary = z.infer<typeof recordingSummarySchema>;

/**
 * GET /v1/recordings/:id/screen?t=<ms>: the screen at time t (serialized terminal state from
 * the nearest snapshot plus the events after it), and the events from t onward, paged.
 */
export const recordingScreenSchema = z.object({
  t: z.number().nonnegative(),
  width: z.number().int(),
  height: z.number().int(),
  /** Output of @xterm/addon-serialize: write it into a fresh terminal of this size. */
  screen: z.string(),
  events: z.array(castEventSchema),
  /** Pass as `after` to get the next page of events; null at the end. */
  nextAfter: z.number().nullable(),
});
export type RecordingScreen = z.infer<typeof recordingScreenSchema>;

/** GET /v1/recordings/search?q= */
export const recordingSearchSchema = z.object({
  results: z.array(
    z.object({
      recording: recordingSummarySchema,
      hits: z.array(z.object({ t: z.number(), line: z.string() })),
      hitCount: z.number().int(),
    }),
  ),
});
