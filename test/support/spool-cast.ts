import { stat } from 'node:fs/promises';
import { castEventOf, readCompleteRecords, readSpoolHeader } from '../../broker/recording/spool-records.ts';
import type { SpoolRecord } from '../../broker/recording/spool-records.ts';
import type { CastEvent, CastHeader } from '../../shared/api/recordings.ts';

const PIECE_BYTES = 4 * 1024 * 1024;

/**
 * Walks a recording's spool events file record by record, the way the uploader reads it
 * (complete records only), a few MiB at a time; answers the header and the file's size.
 */
export async function forEachSpoolRecord(eventsPath: string, visit: (record: SpoolRecord) => void): Promise<{ header: CastHeader; fileBytes: number }> {
  const opening = await readSpoolHeader(eventsPath);
  if (opening === null) throw new Error(`${eventsPath} has no complete header record`);
  for (let at = opening.firstEvent; ; ) {
    const { records, end } = await readCompleteRecords(eventsPath, at, PIECE_BYTES, Infinity);
    if (end === at) break;
    for (const record of records) visit(record);
    at = end;
  }
  return { header: opening.header, fileBytes: (await stat(eventsPath)).size };
}

export interface SpooledCast {
  header: CastHeader;
  events: CastEvent[];
  /** The asciicast file these make: header line, then one line per event. */
  text: string;
}

/** A (small) spooled recording as the asciicast the uploader makes of it. */
export async function readSpooledCast(eventsPath: string): Promise<SpooledCast> {
  const events: CastEvent[] = [];
  const { header } = await forEachSpoolRecord(eventsPath, (record) => events.push(castEventOf(record)));
  const text = [header, ...events].map((line) => `${JSON.stringify(line)}\n`).join('');
  return { header, events, text };
}
