import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CAST_FILE, END_FILE } from '../../broker/recording/recording-spool-layout.ts';
import type { BenchServer } from '../server/bench-server.ts';
import type { RecordingEndedLine } from './bench-proxy-protocol.ts';
import { serverRecording } from './recording-server.ts';

/** How one recorded transfer was checked, and what was found. */
export interface RecordingCheck {
  recording: string;
  /** Where the bytes were counted: the spool's .cast, or (if already fully uploaded) the server's summary. */
  checkedIn: 'spool' | 'server';
  /** Bytes of remote output the proxy handed to the recorder. */
  handedToRecorder: number;
  /** Bytes of output the .cast's `o` events hold (spool); null when checked on the server. */
  outputBytesInCast: number | null;
  /** Size of the .cast (spool: the whole file; server: its event lines). */
  castBytes: number;
  /** Bytes of .cast events the server had stored when checked (uploads run while the bench does). */
  uploadedToServer: number;
  ok: boolean;
}

/** Reads a .cast line by line and adds up the UTF-8 size of its output events. */
async function countCastOutput(castPath: string): Promise<{ outputBytes: number; castBytes: number }> {
  const stream = createReadStream(castPath, { highWaterMark: 1024 * 1024 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let outputBytes = 0;
  let first = true;
  for await (const line of lines) {
    if (first) {
      first = false;
      continue;
    }
    if (line === '') continue;
    const [, code, data] = JSON.parse(line) as [number, string, string];
    if (code === 'o') outputBytes += Buffer.byteLength(data, 'utf8');
  }
  return { outputBytes, castBytes: stream.bytesRead };
}

/**
 * Proves that a transfer was recorded: every byte the client received is in the recording's
 * output events. The spool keeps a recording until the server holds all of it, so it is
 * counted there; one already gone from the spool is judged by the server's summary.
 */
export async function checkRecordedTransfer(ended: RecordingEndedLine, expectedBytes: number, spoolRoot: string, server: BenchServer): Promise<RecordingCheck> {
  if (ended.recording === null) throw new Error('the recorder reported no recording id');
  if (ended.error !== null) throw new Error(`recording ${ended.recording} is incomplete: ${ended.error}`);
  const dir = join(spoolRoot, ended.recording);
  const onServer = await serverRecording(server, ended.recording);
  if (existsSync(join(dir, END_FILE))) {
    const counted = await countCastOutput(join(dir, CAST_FILE));
    return {
      recording: ended.recording,
      checkedIn: 'spool',
      handedToRecorder: ended.outputBytes,
      outputBytesInCast: counted.outputBytes,
      castBytes: counted.castBytes,
      uploadedToServer: onServer?.bytes ?? 0,
      ok: ended.outputBytes === expectedBytes && counted.outputBytes === expectedBytes,
    };
  }
  if (onServer === null) throw new Error(`recording ${ended.recording} is neither in the spool nor on the server`);
  return {
    recording: ended.recording,
    checkedIn: 'server',
    handedToRecorder: ended.outputBytes,
    outputBytesInCast: null,
    castBytes: onServer.bytes,
    uploadedToServer: onServer.bytes,
    ok: ended.outputBytes === expectedBytes && onServer.complete,
  };
}
