import { open } from 'node:fs/promises';
import { castHeaderSchema } from '../../shared/api/recordings.ts';
import type { CastEvent, CastEventCode, CastHeader } from '../../shared/api/recordings.ts';

/*
 * The spool keeps a recording as the session's bytes, not as asciicast JSON. JSON escapes every
 * control byte as six characters (`\u0000`), so binary output made the spool six times the
 * size of what crossed the wire, and escaping it cost more CPU than the SSH relay itself, on
 * the terminal's data path. Each record is
 *   code     1 byte   'h' (the asciicast header, as JSON), 'o', 'i', 'r' or 'm'
 *   length   u32 LE   of the payload
 *   seconds  f64 LE   since the header
 *   payload  bytes    output or input as received; resize and marker text as UTF-8
 * and the uploader turns records into asciicast events. Output and input payloads never end in
 * the middle of a UTF-8 character (the writer holds such bytes back), so each decodes on its own.
 */

export const RECORD_HEAD_BYTES = 13;
/** Longer payloads are damage, not data: the writer's largest is one SSH packet. */
export const MAX_RECORD_PAYLOAD = 16 * 1024 * 1024;

export type SpoolRecordCode = 'h' | CastEventCode;

export interface SpoolRecord {
  code: SpoolRecordCode;
  seconds: number;
  payload: Buffer;
}

const CODES: ReadonlyMap<number, SpoolRecordCode> = new Map([
  [0x68, 'h'],
  [0x6f, 'o'],
  [0x69, 'i'],
  [0x72, 'r'],
  [0x6d, 'm'],
]);

/** The spool holds bytes that are not records: damage that no retry repairs. */
export class SpoolFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpoolFormatError';
  }
}

/** The 13 bytes that open a record. */
export function recordHead(code: SpoolRecordCode, seconds: number, payloadLength: number): Buffer {
  const head = Buffer.allocUnsafe(RECORD_HEAD_BYTES);
  head[0] = code.charCodeAt(0);
  head.writeUInt32LE(payloadLength, 1);
  head.writeDoubleLE(seconds, 5);
  return head;
}

/**
 * The complete records at the start of `bytes`: at most `maxRecords`, stopping before
 * `maxBytes` unless the first record alone is longer. A record cut short (being written, or torn
 * by a crash) ends the list; bytes that cannot open a record throw SpoolFormatError.
 */
export function parseRecords(bytes: Buffer, maxBytes = Infinity, maxRecords = Infinity): { records: SpoolRecord[]; consumed: number } {
  const records: SpoolRecord[] = [];
  let at = 0;
  while (records.length < maxRecords && at + RECORD_HEAD_BYTES <= bytes.length) {
    const code = CODES.get(bytes[at]!);
    const length = bytes.readUInt32LE(at + 1);
    if (code === undefined) throw new SpoolFormatError(`byte ${at} of the recording spool opens no record (0x${bytes[at]!.toString(16)})`);
    if (length > MAX_RECORD_PAYLOAD) throw new SpoolFormatError(`record at byte ${at} of the recording spool claims ${length} bytes`);
    const end = at + RECORD_HEAD_BYTES + length;
    if (end > bytes.length || (end > maxBytes && records.length > 0)) break;
    records.push({ code, seconds: bytes.readDoubleLE(at + 5), payload: bytes.subarray(at + RECORD_HEAD_BYTES, end) });
    at = end;
  }
  return { records, consumed: at };
}

/**
 * The complete records of `path` from byte `start`, as parseRecords picks them, and where they
 * end (`end === start`: no complete record there yet).
 */
export async function readCompleteRecords(path: string, start: number, maxBytes: number, maxRecords: number): Promise<{ records: SpoolRecord[]; end: number }> {
  const file = await open(path, 'r');
  try {
    let buffer = Buffer.alloc(Math.max(maxBytes, 4096));
    let filled = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, start + filled);
      filled += bytesRead;
      const { records, consumed } = parseRecords(buffer.subarray(0, filled), maxBytes, maxRecords);
      // One record longer than the buffer: read on until it is whole (or the file ends).
      if (records.length === 0 && bytesRead > 0 && filled === buffer.length) {
        const needed = filled >= RECORD_HEAD_BYTES ? RECORD_HEAD_BYTES + buffer.readUInt32LE(1) : buffer.length * 2;
        const bigger = Buffer.alloc(Math.max(needed, buffer.length * 2));
        buffer.copy(bigger);
        buffer = bigger;
        continue;
      }
      return { records, end: start + consumed };
    }
  } finally {
    await file.close();
  }
}

/** The spool's header record and where the first event starts; null while it is not complete (or the file is not there). */
export async function readSpoolHeader(path: string): Promise<{ header: CastHeader; firstEvent: number } | null> {
  let read: { records: SpoolRecord[]; end: number };
  try {
    read = await readCompleteRecords(path, 0, 64 * 1024, 1);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const [first] = read.records;
  if (first === undefined) return null;
  if (first.code !== 'h') throw new SpoolFormatError(`the recording spool opens with a '${first.code}' record, not its header`);
  return { header: castHeaderSchema.parse(JSON.parse(first.payload.toString('utf8'))), firstEvent: read.end };
}

// fatal: false — invalid bytes become U+FFFD, as a terminal shows them.
const decoder = new TextDecoder('utf-8');

/** The asciicast event a record stands for. */
export function castEventOf(record: SpoolRecord): CastEvent {
  if (record.code === 'h') throw new SpoolFormatError('a second header record in the recording spool');
  return [record.seconds, record.code, decoder.decode(record.payload)];
}
