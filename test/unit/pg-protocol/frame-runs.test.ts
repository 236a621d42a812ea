import { describe, expect, it } from 'vitest';
import { FrameReader, framesOfRun, isFrameRun, type Frame, type FrameRun } from '../../../broker/pg/protocol/frame-reader.ts';
import { BackendCode } from '../../../broker/pg/protocol/message-codes.ts';
import { backend } from '../../../broker/pg/protocol/backend-messages.ts';
import { MessageBuilder } from '../../../broker/pg/protocol/message-builder.ts';
import { catchProtocolError } from './catch-protocol-error.ts';

const STREAMING: ReadonlySet<number> = new Set([BackendCode.DataRow, BackendCode.CopyData]);

function dataRow(...values: (string | null)[]): Buffer {
  return backend.dataRow(values.map((v) => (v === null ? null : Buffer.from(v))));
}

function copyData(line: string): Buffer {
  return new MessageBuilder().bytes(Buffer.from(line)).build(BackendCode.CopyData);
}

const commandComplete = backend.commandComplete('SELECT 3');
const readyForQuery = backend.readyForQuery('I');
const rows = [dataRow('1', 'a@example.com'), dataRow('2', null), dataRow('3', 'ü')];
const lines = [copyData('1\tx\n'), copyData('2\ty\n')];
const stream = Buffer.concat([...rows, commandComplete, ...lines, backend.noticeResponse({ severity: 'NOTICE', code: '01000', message: 'n' }), readyForQuery]);

/** Every frame the items stand for, run frames expanded, as hex. */
function flatten(items: (Frame | FrameRun)[]): string[] {
  return items.flatMap((item) => (isFrameRun(item) ? framesOfRun(item) : [item])).map((f) => f.raw.toString('hex'));
}

describe('FrameReader runs', () => {
  it('gives consecutive DataRows and CopyData frames as one run each, as views of the chunk', () => {
    const items = new FrameReader({ maxMessageBytes: 1 << 20, peer: 'upstream' }).pushRuns(stream, STREAMING);
    expect(items.map((i) => (isFrameRun(i) ? `${String.fromCharCode(i.type)}×${i.count}` : String.fromCharCode(i.type)))).toEqual(['D×3', 'C', 'd×2', 'N', 'Z']);
    const run = items[0] as FrameRun;
    expect(run.raw.equals(Buffer.concat(rows))).toBe(true);
    expect(run.raw.buffer).toBe(stream.buffer);
    expect(framesOfRun(run).map((f) => f.payload.toString('hex'))).toEqual(rows.map((r) => r.subarray(5).toString('hex')));
  });

  it('yields the same frames as push, in order, wherever the stream is cut', () => {
    const expected = flatten(new FrameReader({ maxMessageBytes: 1 << 20, peer: 'upstream' }).pushRuns(stream, STREAMING));
    const plain = new FrameReader({ maxMessageBytes: 1 << 20, peer: 'upstream' }).push(stream).map((f) => f.raw.toString('hex'));
    expect(expected).toEqual(plain);
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b += 7) {
        const reader = new FrameReader({ maxMessageBytes: 1 << 20, peer: 'upstream' });
        const seen = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)].flatMap((chunk) => flatten(reader.pushRuns(chunk, STREAMING)));
        expect(seen, `cuts at ${a} and ${b}`).toEqual(plain);
        expect(reader.bufferedBytes).toBe(0);
      }
    }
  });

  it('still refuses an impossible length inside a run', () => {
    const bad = Buffer.concat([rows[0]!, Buffer.from([BackendCode.DataRow, 0, 0, 0, 2])]);
    const error = catchProtocolError(() => new FrameReader({ maxMessageBytes: 1 << 20, peer: 'upstream' }).pushRuns(bad, STREAMING));
    expect(error.message).toMatch(/invalid message length 2 from upstream/);
  });
});
