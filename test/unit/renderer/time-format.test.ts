import { describe, expect, it } from 'vitest';
import { formatCountdown, formatDuration, formatRowCount, msUntil } from '../../../renderer/ui/time-format.ts';

describe('formatCountdown', () => {
  it('shows minutes and seconds, rounding up so 0:00 never shows while time is left', () => {
    expect(formatCountdown(299_001)).toBe('5:00');
    expect(formatCountdown(65_000)).toBe('1:05');
    expect(formatCountdown(1)).toBe('0:01');
  });

  it('adds hours when needed', () => {
    expect(formatCountdown(3_723_000)).toBe('1:02:03');
  });

  it('says expired at or past zero, or for nonsense', () => {
    expect(formatCountdown(0)).toBe('expired');
    expect(formatCountdown(-5)).toBe('expired');
    expect(formatCountdown(Number.NaN)).toBe('expired');
  });
});

describe('formatDuration', () => {
  it('picks a unit by size', () => {
    expect(formatDuration(85.4)).toBe('85 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2:05');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('formatRowCount and msUntil', () => {
  it('formats counts with separators and the right noun', () => {
    expect(formatRowCount(1)).toBe('1 row');
    expect(formatRowCount(0)).toBe('0 rows');
    expect(formatRowCount(100_000)).toBe('100,000 rows');
  });

  it('measures time to an ISO instant', () => {
    expect(msUntil('2025-01-01T00:00:10Z', Date.parse('2025-01-01T00:00:00Z'))).toBe(10_000);
  });
});
