import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/*
 * A recording spool is a directory of recordings, one directory each, named by recording id:
 *   meta.json      who, where and when; written before the first event
 *   events.rec     the session's records (spool-records.ts): asciicast header and events, with
 *                  output and input as raw bytes; the uploader makes asciicast events of them
 *   chunks.log     one line per chunk sent or about to be sent: "seq startOffset endOffset"
 *   uploaded.json  how far the server has acknowledged (the durable cursor)
 *   end.json       written when the session ended (or found abandoned after a crash)
 *   rejected.json  the server refused the recording for good; kept for a person to look at
 * A directory disappears once the server holds the whole recording.
 */

export const META_FILE = 'meta.json';
export const EVENTS_FILE = 'events.rec';
export const CHUNK_LOG_FILE = 'chunks.log';
export const CURSOR_FILE = 'uploaded.json';
export const END_FILE = 'end.json';
export const REJECTED_FILE = 'rejected.json';

const RECORDING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const recordingMetaSchema = z.object({
  version: z.literal(1),
  id: z.string().regex(RECORDING_ID),
  /** The broker session (SSH connection) id: audit events carry it as sessionId. */
  sessionId: z.string(),
  user: z.string(),
  connection: z.string(),
  host: z.string(),
  channel: z.number().int(),
  kind: z.enum(['shell', 'exec']),
  command: z.string().nullable(),
  startedAt: z.string(),
  /** The broker process recording it: another live process's recording is not touched. */
  pid: z.number().int(),
});
export type RecordingMetaFile = z.infer<typeof recordingMetaSchema>;

export const recordingEndFileSchema = z.object({
  endedAt: z.string(),
  exitStatus: z.number().int().nullable(),
  /** Found after a crash: the broker never saw the session end. */
  abandoned: z.boolean().optional(),
  /** The spool stopped taking events (disk full, …): the recording ends early. */
  spoolError: z.string().optional(),
});
export type RecordingEndFile = z.infer<typeof recordingEndFileSchema>;

/** Recording directories under the spool root, by id. */
export async function listRecordingDirs(spoolRoot: string): Promise<Array<{ id: string; dir: string }>> {
  let names: string[];
  try {
    names = await readdir(spoolRoot);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((name) => RECORDING_ID.test(name))
    .sort()
    .map((id) => ({ id, dir: join(spoolRoot, id) }));
}

/** undefined when the file does not exist; throws when it exists but is not what it should be. */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return schema.parse(JSON.parse(text));
}
