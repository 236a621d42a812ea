import { describe, expect, it } from 'vitest';
import { emptyWorkloadResult, pairedRatio, streamMegabytesPerSecond } from '../../../bench/pg/bench-results.ts';
import type { ConfigurationResult } from '../../../bench/pg/bench-results.ts';
import { WORKLOADS } from '../../../bench/pg/workloads.ts';

describe('bench:pg ratios to direct', () => {
  it('divides each sample by direct’s sample of the same cycle and takes the median', () => {
    // The machine slows down in cycle 2 for both: paired, the configuration runs at 0.9 each time.
    const direct = { samples: [100, 50, 100], cycles: [0, 1, 2] };
    const proxy = { samples: [90, 45, 90], cycles: [0, 1, 2] };
    expect(pairedRatio(proxy, direct)).toBeCloseTo(0.9, 10);
  });

  it('leaves out cycles where either side has no sample', () => {
    const direct = { samples: [100, 200], cycles: [0, 2] };
    const proxy = { samples: [80, 999, 100], cycles: [0, 1, 2] };
    expect(pairedRatio(proxy, direct)).toBeCloseTo(0.65, 10);
    expect(pairedRatio({ samples: [5], cycles: [7] }, direct)).toBeUndefined();
  });
});

describe('bench:pg stream rates', () => {
  const withOutput = (name: 'direct' | 'gatehouse+policy', outputBytes: number): ConfigurationResult => ({
    name,
    description: name,
    workloads: { 'stream-select': { ...emptyWorkloadResult(WORKLOADS.find((w) => w.id === 'stream-select')!), outputBytes } },
  });

  it('counts the bytes direct prints, so a masked stream with shorter output is not charged for them', () => {
    const results = [withOutput('direct', 110_000_000), withOutput('gatehouse+policy', 104_000_000)];
    // The same elapsed time is the same rate, whatever the masked stream printed.
    expect(streamMegabytesPerSecond(results, 'stream-select', 1)).toBe(110);
    expect(streamMegabytesPerSecond(results, 'stream-select', 1.1)).toBeCloseTo(100, 10);
  });

  it('refuses to make up a rate when direct’s output size is unknown', () => {
    expect(() => streamMegabytesPerSecond([withOutput('gatehouse+policy', 1)], 'stream-select', 1)).toThrow(/direct connection's output size is unknown/);
  });
});
