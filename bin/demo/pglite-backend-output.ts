import { backend } from '../../broker/pg/protocol/backend-messages.ts';
import type { NoticeFields } from '../../broker/pg/protocol/backend-messages.ts';
import { decodeNoticeFields } from '../../broker/pg/protocol/backend-decoders.ts';
import { BackendCode } from '../../broker/pg/protocol/message-codes.ts';
import type { TransactionStatus } from './pglite-session-gate.ts';

/**
 * Reading and adjusting what PGlite answered to one frontend message: whole backend messages,
 * since execProtocolRaw returns everything a message produced at once.
 */

export interface BackendFrame {
  type: number;
  payload: Buffer;
  raw: Buffer;
}

export function backendFrames(output: Uint8Array): BackendFrame[] {
  const data = Buffer.from(output.buffer, output.byteOffset, output.byteLength);
  const frames: BackendFrame[] = [];
  let offset = 0;
  while (data.length - offset >= 5) {
    const end = offset + 1 + data.readUInt32BE(offset + 1);
    if (end > data.length) break;
    frames.push({ type: data[offset]!, payload: data.subarray(offset + 5, end), raw: data.subarray(offset, end) });
    offset = end;
  }
  if (offset !== data.length) throw new Error(`PGlite answered ${data.length - offset} bytes that are not a whole message`);
  return frames;
}

/** The status of the last ReadyForQuery, or null when the answer has none (the batch goes on). */
export function readyStatus(frames: readonly BackendFrame[]): TransactionStatus | null {
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i]!;
    if (frame.type === BackendCode.ReadyForQuery) return String.fromCharCode(frame.payload[0] ?? 0x49) as TransactionStatus;
  }
  return null;
}

/** The message of the first ErrorResponse, or null. */
export function firstError(frames: readonly BackendFrame[]): string | null {
  const error = frames.find((frame) => frame.type === BackendCode.ErrorResponse);
  return error === undefined ? null : (decodeNoticeFields(error.payload).get('M') ?? 'error');
}

const READ_ONLY_TRANSACTION = '25006';

/**
 * What a connection whose batch ran inside another connection's transaction receives: to it,
 * nothing was ever open, so every ReadyForQuery says idle, and a write refused for being
 * read-only says why.
 */
export function asInterleavedAnswer(frames: readonly BackendFrame[], ownerId: number): Buffer {
  return Buffer.concat(
    frames.map((frame) => {
      if (frame.type === BackendCode.ReadyForQuery) return backend.readyForQuery('I');
      if (frame.type !== BackendCode.ErrorResponse) return frame.raw;
      const fields = decodeNoticeFields(frame.payload);
      if (fields.get('C') !== READ_ONLY_TRANSACTION) return frame.raw;
      const error: NoticeFields = {
        severity: 'ERROR',
        code: READ_ONLY_TRANSACTION,
        message: fields.get('M') ?? 'cannot write in a read-only transaction',
        detail: `The demo's embedded PGlite database has one backend, and connection ${ownerId} has a transaction open in it; until it ends, other connections may only read.`,
        hint: 'Try again once that transaction commits or rolls back.',
      };
      return backend.errorResponse(error);
    }),
  );
}
