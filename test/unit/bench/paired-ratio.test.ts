import { describe, expect, it } from 'vitest';
import { pairedRatio } from '../../../bench/pg/bench-results.ts';

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
