import type { RecordingSearch, RecordingSearchQuery } from '../../shared/api/recordings.ts';
import type { Queryable } from '../store/database.ts';
import { findScreenText, getRecordingsByIds, recordingSummaryOf } from './recording-store.ts';
import type { RecordingFilters, RecordingReader } from './recording-store.ts';

/** Hits listed per recording; `hitCount` counts them all. */
const MAX_LISTED_HITS = 100;

/**
 * Where `q` appeared on screen: every stored screen line containing it (case-insensitive),
 * at the time of the event that made that line appear. Recordings with the most hits first.
 */
export async function searchRecordings(db: Queryable, query: RecordingSearchQuery, filters: RecordingFilters, reader: RecordingReader): Promise<RecordingSearch> {
  const needle = query.q.toLowerCase();
  const found = new Map<string, { hits: Array<{ t: number; line: string }>; hitCount: number }>();
  for (const row of await findScreenText(db, query.q, filters, reader)) {
    const lines = row.lines.split('\n');
    let entry = found.get(row.recording_id);
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.toLowerCase().includes(needle)) continue;
      entry ??= { hits: [], hitCount: 0 };
      entry.hitCount++;
      if (entry.hits.length < MAX_LISTED_HITS) entry.hits.push({ t: Number(row.times[i]), line: lines[i]! });
    }
    if (entry !== undefined) found.set(row.recording_id, entry);
  }
  const ranked = [...found].sort(([, a], [, b]) => b.hitCount - a.hitCount).slice(0, query.limit);
  const recordings = new Map((await getRecordingsByIds(db, ranked.map(([id]) => id))).map((row) => [row.id, row]));
  return {
    results: ranked.flatMap(([id, { hits, hitCount }]) => {
      const row = recordings.get(id);
      return row === undefined ? [] : [{ recording: recordingSummaryOf(row), hits, hitCount }];
    }),
  };
}
