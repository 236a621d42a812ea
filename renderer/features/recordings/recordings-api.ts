import type { z } from 'zod';
import { recordingListSchema, recordingScreenSchema, recordingSearchSchema, recordingSummarySchema } from '../../../shared/api/recordings.ts';
import type { RecordingScreen, RecordingSearch, RecordingSummary } from '../../../shared/api/recordings.ts';
import type { BridgeClient } from '../../bridge/bridge-client.ts';
import { BridgeCallError } from '../../bridge/bridge-client.ts';
import { recordingsPath, type PathParams } from './recordings-path.ts';

/** The list's filters; times are ISO instants. */
export interface RecordingFilters {
  user?: string;
  connection?: string;
  host?: string;
  from?: string;
  to?: string;
}

/** recordings.get passes the server's JSON through untyped; here it is checked against the server's contract. */
async function getJson<S extends z.ZodType>(client: BridgeClient, schema: S, segments: readonly string[], params: PathParams = {}): Promise<z.infer<S>> {
  const answer = await client.call('recordings.get', { path: recordingsPath(segments, params) });
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new BridgeCallError('invalid', `the server's answer for recordings/${segments.join('/')} does not match the contract`, 'recordings.get');
  return parsed.data;
}

export async function listRecordings(client: BridgeClient, filters: RecordingFilters, limit = 200): Promise<RecordingSummary[]> {
  return (await getJson(client, recordingListSchema, [], { ...filters, limit })).recordings;
}

export function searchRecordings(client: BridgeClient, q: string, filters: Omit<RecordingFilters, 'host'>, limit = 50): Promise<RecordingSearch> {
  return getJson(client, recordingSearchSchema, ['search'], { q, ...filters, limit });
}

export function getRecording(client: BridgeClient, id: string): Promise<RecordingSummary> {
  return getJson(client, recordingSummarySchema, [id]);
}

/**
 * The screen at tMs and the events after it (or after `after`), at most `limit` of them. A
 * fractional time is rounded up: a hit or marker at 2860.4 ms must show the event it points at.
 */
export function screenAt(client: BridgeClient, id: string, tMs: number, page: { after?: number; limit: number }): Promise<RecordingScreen> {
  return getJson(client, recordingScreenSchema, [id, 'screen'], { t: Math.max(0, Math.ceil(tMs)), after: page.after, limit: page.limit });
}
