import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../../shared/policy/duration.ts';
import { globMatches } from '../../../shared/policy/glob.ts';

describe('globMatches', () => {
  it('matches * as any run of characters and everything else literally', () => {
    expect(globMatches('*', 'anything')).toBe(true);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('pay*', 'payroll')).toBe(true);
    expect(globMatches('*roll', 'payroll')).toBe(true);
    expect(globMatches('p*r*l', 'payroll')).toBe(true);
    expect(globMatches('pay*', 'repay')).toBe(false);
    expect(globMatches('payroll', 'payroll2')).toBe(false);
    expect(globMatches('a.b', 'axb')).toBe(false);
    expect(globMatches('Payroll', 'PAYROLL')).toBe(true);
  });

  it('stays fast on many stars', () => {
    expect(globMatches('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5_000))).toBe(false);
  });
});

describe('parseDurationMs', () => {
  it('parses single and chained units', () => {
    expect(parseDurationMs('30s')).toBe(30_000);
    expect(parseDurationMs('15m')).toBe(900_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('2d')).toBe(172_800_000);
  });

  it('rejects anything else', () => {
    for (const text of ['15', '15 m', 'm', '1.5h', '-5m', '15min', '', '1h 30m']) {
      expect(parseDurationMs(text), text).toBeNull();
    }
  });
});
