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
