import { describe, expect, it } from 'vitest';
import { ByteBatch } from '../../../broker/pg/relay/byte-batch.ts';

describe('ByteBatch', () => {
  it('hands back frames of one received chunk as a view of that chunk, without copying', () => {
    const chunk = Buffer.from('aaaabbbbcccc');
    const batch = new ByteBatch();
    batch.add(chunk.subarray(0, 4));
    batch.add(chunk.subarray(4, 8));
    batch.add(chunk.subarray(8, 12));
    const parts = batch.take();
    expect(parts).toHaveLength(1);
    expect(parts[0]!.toString()).toBe('aaaabbbbcccc');
    expect(parts[0]!.buffer).toBe(chunk.buffer);
  });

  it('keeps order when rewritten frames interrupt a chunk, and starts empty after take', () => {
    const chunk = Buffer.from('1111222233334444');
    const batch = new ByteBatch();
    batch.add(chunk.subarray(0, 4));
    batch.add(Buffer.from('XX'));
    batch.add(chunk.subarray(8, 12));
    batch.add(Buffer.from('YYY'));
    batch.add(chunk.subarray(12, 16));
    expect(batch.size).toBe(4 + 2 + 4 + 3 + 4);
    expect(Buffer.concat(batch.take()).toString()).toBe('1111XX3333YYY4444');
    expect(batch.take()).toEqual([]);
  });

  it('passes a frame larger than the arena through as its own slice, uncopied', () => {
    const big = Buffer.alloc(100_000, 7);
    const batch = new ByteBatch();
    batch.add(Buffer.from('head'));
    batch.add(big);
    const parts = batch.take();
    expect(parts.map((p) => p.length)).toEqual([4, 100_000]);
    expect(parts[0]!.toString()).toBe('head');
    expect(parts[1]!.buffer).toBe(big.buffer);
  });
});

describe('ByteBatch arenas', () => {
  it('copies with addCopy whatever the size, so the caller may reuse its buffer at once', () => {
    const scratch = Buffer.alloc(20_000, 1);
    const batch = new ByteBatch();
    batch.addCopy(scratch);
    scratch.fill(2);
    const parts = batch.take();
    expect(Buffer.concat(parts).equals(Buffer.alloc(20_000, 1))).toBe(true);
    expect(parts[0]!.buffer).not.toBe(scratch.buffer);
  });

  it('reuses an arena only after the write of its bytes was reported done', () => {
    // Buffer.alloc, not Buffer.from: small Buffer.from results share one pool and sit side by side.
    const frame = (text: string): Buffer => Buffer.alloc(text.length, text);
    const batch = new ByteBatch();
    const flush = (a: string, b: string): Buffer[] => {
      batch.add(frame(a)); // passes as its own slice
      batch.add(frame(b)); // copied into the arena
      return batch.take();
    };
    const first = flush('1', 'first');
    const written = batch.releaseTaken()!;
    const second = flush('2', 'second');
    // Not yet written: the next arena must be another one, leaving the first bytes intact.
    expect(second[1]!.buffer).not.toBe(first[1]!.buffer);
    expect(first[1]!.toString()).toBe('first');
    written();
    batch.releaseTaken()!();
    // The arena being filled was chosen at the last take; the one after it is a written one.
    const third = flush('3', 'third');
    batch.releaseTaken();
    const fourth = flush('4', 'fourth');
    expect([first[1]!.buffer, second[1]!.buffer]).toContain(fourth[1]!.buffer);
    expect(Buffer.concat(third).toString()).toBe('3third');
    expect(Buffer.concat(fourth).toString()).toBe('4fourth');
  });
});
