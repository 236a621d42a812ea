import { describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import { FrameReader, type Frame } from '../../../broker/pg/protocol/frame-reader.ts';
import { catchProtocolError } from './catch-protocol-error.ts';

const LIMIT = 1024 * 1024;

function reader(maxMessageBytes = LIMIT): FrameReader {
  return new FrameReader({ maxMessageBytes, peer: 'client' });
}

/** Copies frames out of the reader's views, so later pushes cannot change what was seen. */
function snapshot(frames: Frame[]): { type: number; payload: string; raw: string }[] {
  return frames.map((f) => ({ type: f.type, payload: f.payload.toString('hex'), raw: f.raw.toString('hex') }));
}

function pushAll(r: FrameReader, chunks: Buffer[]): { type: number; payload: string; raw: string }[] {
  return chunks.flatMap((c) => snapshot(r.push(c)));
}

/** A header declaring `length` (the length word counts itself, not the type byte). */
function header(type: string, length: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = type.charCodeAt(0);
  b.writeUInt32BE(length, 1);
  return b;
}

// A realistic pipeline, including zero-payload frames (Sync, Flush), whose length is exactly 4.
const messages = [
  serialize.parse({ name: 's1', text: 'select $1::int', types: [23] }),
  serialize.bind({ statement: 's1', values: ['42'] }),
  serialize.describe({ type: 'P' }),
  serialize.execute({ rows: 0 }),
  serialize.sync(),
  serialize.query('select 1'),
  serialize.flush(),
  serialize.copyData(Buffer.from([0, 1, 2, 0xff])),
];
const stream = Buffer.concat(messages);
const expected = snapshot(messages.map((m) => ({ type: m[0]!, payload: m.subarray(5), raw: m })));

describe('FrameReader reassembly', () => {
  it('returns every frame of one chunk, in order', () => {
    expect(pushAll(reader(), [stream])).toEqual(expected);
  });

  it('reassembles identically when the stream is split at any single byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = reader();
      expect(pushAll(r, [stream.subarray(0, cut), stream.subarray(cut)]), `cut at ${cut}`).toEqual(expected);
      expect(r.bufferedBytes).toBe(0);
    }
  });

  it('reassembles identically when the stream is split at any two byte boundaries', () => {
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const chunks = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)];
        expect(pushAll(reader(), chunks), `cuts at ${a} and ${b}`).toEqual(expected);
      }
    }
  });

  it('reassembles identically when fed one byte at a time', () => {
    const r = reader();
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(pushAll(r, bytes)).toEqual(expected);
    expect(r.bufferedBytes).toBe(0);
  });

  it('reports the bytes it holds for an incomplete frame', () => {
    const r = reader();
    const query = serialize.query('select 1');
    expect(r.push(query.subarray(0, 3))).toEqual([]);
    expect(r.bufferedBytes).toBe(3);
    expect(r.push(query.subarray(3, 9))).toEqual([]);
    expect(r.bufferedBytes).toBe(9);
    expect(snapshot(r.push(query.subarray(9)))).toEqual(snapshot([{ type: 0x51, payload: query.subarray(5), raw: query }]));
    expect(r.bufferedBytes).toBe(0);
  });

  it('carries a 10 MB frame across 64 KiB chunks and continues with the frame after it', () => {
    const payload = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = (i >>> 12) & 0xff;
    const big = Buffer.concat([header('d', payload.length + 4), payload]);
    const after = serialize.copyDone();
    const all = Buffer.concat([big, after]);
    const r = reader(16 * 1024 * 1024);
    const frames: Frame[] = [];
    let maxBuffered = 0;
    for (let o = 0; o < all.length; o += 64 * 1024) {
      frames.push(...r.push(all.subarray(o, o + 64 * 1024)));
      maxBuffered = Math.max(maxBuffered, r.bufferedBytes);
    }
    expect(frames).toHaveLength(2);
    expect(frames[0]!.type).toBe(0x64);
    expect(frames[0]!.payload.equals(payload)).toBe(true);
    expect(frames[0]!.raw.equals(big)).toBe(true);
    expect(frames[1]!.raw.equals(after)).toBe(true);
    expect(maxBuffered).toBeLessThanOrEqual(big.length);
    expect(r.bufferedBytes).toBe(0);
  });
});

describe('FrameReader length checks', () => {
  it.each([0, 1, 2, 3])('rejects length word %i as a protocol violation (08P01)', (length) => {
    const e = catchProtocolError(() => reader().push(Buffer.concat([header('Q', length), Buffer.alloc(8)])));
    expect(e.sqlstate).toBe('08P01');
    expect(e.message).toMatch(`invalid message length ${length}`);
  });

  it('rejects an impossible length that follows a valid frame in the same chunk', () => {
    const r = reader();
    const e = catchProtocolError(() => r.push(Buffer.concat([serialize.sync(), header('Q', 2)])));
    expect(e.sqlstate).toBe('08P01');
  });

  it('rejects an impossible length whose header arrives split across chunks', () => {
    const bad = header('Q', 3);
    for (let cut = 1; cut < 5; cut++) {
      const r = reader();
      expect(r.push(bad.subarray(0, cut))).toEqual([]);
      expect(catchProtocolError(() => r.push(bad.subarray(cut))).sqlstate).toBe('08P01');
    }
  });

  it('rejects a frame over the limit with 54000 before buffering any of it', () => {
    const r = reader(1000);
    // The type byte counts toward the limit: length word 1000 is a 1001-byte frame.
    const e = catchProtocolError(() => r.push(Buffer.concat([header('Q', 1000), Buffer.alloc(10)])));
    expect(e.sqlstate).toBe('54000');
    expect(e.message).toMatch(/1001 bytes, over the 1000-byte limit/);
    expect(r.bufferedBytes).toBe(0);
  });

  it('accepts a frame of exactly the limit', () => {
    const frame = Buffer.concat([header('d', 999), Buffer.alloc(995, 7)]);
    expect(frame.length).toBe(1000);
    const frames = reader(1000).push(frame);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.payload.length).toBe(995);
  });

  it.each([2 ** 31, 2 ** 32 - 1])('rejects length word %i with 54000, also when its header is split', (length) => {
    expect(catchProtocolError(() => reader().push(header('Q', length))).sqlstate).toBe('54000');
    const r = reader();
    expect(r.push(header('Q', length).subarray(0, 2))).toEqual([]);
    expect(catchProtocolError(() => r.push(header('Q', length).subarray(2))).sqlstate).toBe('54000');
  });

  it('applies a raised limit to frames that start after the change', () => {
    const r = reader(100);
    const big = Buffer.concat([header('d', 504), Buffer.alloc(500)]);
    expect(catchProtocolError(() => r.push(big)).sqlstate).toBe('54000');
    const raised = reader(100);
    raised.setMaxMessageBytes(1000);
    expect(raised.push(big)).toHaveLength(1);
  });
});
