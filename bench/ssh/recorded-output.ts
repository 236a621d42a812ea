import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { END_FILE, EVENTS_FILE } from '../../broker/recording/recording-spool-layout.ts';
import { forEachSpoolRecord } from '../../test/support/spool-cast.ts';
import type { BenchServer } from '../server/bench-server.ts';
import type { RecordingEndedLine } from './bench-proxy-protocol.ts';
import { serverRecording } from './recording-server.ts';

/** How one recorded transfer was checked, and what was found. */
export interface RecordingCheck {
  recording: string;
  /** Where the bytes were counted: the spool's events file, or (if already fully uploaded) the server's summary. */
  checkedIn: 'spool' | 'server';
  /** Bytes of remote output the proxy handed to the recorder. */
  handedToRecorder: number;
  /** Bytes of output the spool's `o` records hold; null when checked on the server. */
  outputBytesInSpool: number | null;
  /** Size of the recording: the spool's events file, or the server's .cast event lines. */
  recordingBytes: number;
  /** Bytes of .cast events the server had stored when checked (uploads run while the bench does). */
  uploadedToServer: number;
  ok: boolean;
}

/** Adds up the output bytes of a spool's `o` records. */
async function countSpooledOutput(eventsPath: string): Promise<{ outputBytes: number; fileBytes: number }> {
  let outputBytes = 0;
  const { fileBytes } = await forEachSpoolRecord(eventsPath, (record) => {
    if (record.code === 'o') outputBytes += record.payload.length;
  });
  return { outputBytes, fileBytes };
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
    const counted = await countSpooledOutput(join(dir, EVENTS_FILE));
    return {
      recording: ended.recording,
      checkedIn: 'spool',
      handedToRecorder: ended.outputBytes,
      outputBytesInSpool: counted.outputBytes,
      recordingBytes: counted.fileBytes,
      uploadedToServer: onServer?.bytes ?? 0,
      ok: ended.outputBytes === expectedBytes && counted.outputBytes === expectedBytes,
    };
  }
  if (onServer === null) throw new Error(`recording ${ended.recording} is neither in the spool nor on the server`);
  return {
    recording: ended.recording,
    checkedIn: 'server',
    handedToRecorder: ended.outputBytes,
    outputBytesInSpool: null,
    recordingBytes: onServer.bytes,
    uploadedToServer: onServer.bytes,
    ok: ended.outputBytes === expectedBytes && onServer.complete,
  };
}
