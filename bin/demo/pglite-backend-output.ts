import { backend } from '../../broker/pg/protocol/backend-messages.ts';
import type { NoticeFields } from '../../broker/pg/protocol/backend-messages.ts';
import { decodeNoticeFields } from '../../broker/pg/protocol/backend-decoders.ts';
import { FrameReader } from '../../broker/pg/protocol/frame-reader.ts';
import type { Frame } from '../../broker/pg/protocol/frame-reader.ts';
import { BackendCode } from '../../broker/pg/protocol/message-codes.ts';
import type { TransactionStatus } from './pglite-session-gate.ts';

/**
 * Reading and adjusting what PGlite answered to one frontend message: whole backend messages,
 * since execProtocolRaw returns everything a message produced at once.
 */

export function backendFrames(output: Uint8Array): Frame[] {
  // PGlite is trusted and answered this process's own message: no size limit to enforce.
  const reader = new FrameReader({ maxMessageBytes: Number.POSITIVE_INFINITY, peer: 'PGlite' });
  const frames = reader.push(Buffer.from(output.buffer, output.byteOffset, output.byteLength));
  if (reader.bufferedBytes !== 0) throw new Error(`PGlite answered ${reader.bufferedBytes} bytes that are not a whole message`);
  return frames;
}

/** The status of the last ReadyForQuery, or null when the answer has none (the batch goes on). */
export function readyStatus(frames: readonly Frame[]): TransactionStatus | null {
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i]!;
    if (frame.type === BackendCode.ReadyForQuery) return String.fromCharCode(frame.payload[0] ?? 0x49) as TransactionStatus;
  }
  return null;
}

/** The message of the first ErrorResponse, or null. */
export function firstError(frames: readonly Frame[]): string | null {
  const error = frames.find((frame) => frame.type === BackendCode.ErrorResponse);
  return error === undefined ? null : (decodeNoticeFields(error.payload).get('M') ?? 'error');
}

const READ_ONLY_TRANSACTION = '25006';

/**
 * What a connection whose batch ran inside another connection's transaction receives: to it,
 * nothing was ever open, so every ReadyForQuery says idle, and a write refused for being
 * read-only says why.
 */
export function asInterleavedAnswer(frames: readonly Frame[], ownerId: number): Buffer {
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
