import { describe, expect, it } from 'vitest';
import { AuthRateLimiter } from '../../../broker/pg/auth/auth-rate-limiter.ts';
import type { AuthRateLimiterOptions } from '../../../broker/pg/auth/auth-rate-limiter.ts';

function limiterWithClock(opts: AuthRateLimiterOptions = {}) {
  let now = 1_000_000;
  const limiter = new AuthRateLimiter({ now: () => now, ...opts });
  return {
    limiter,
    advance: (ms: number) => {
      now += ms;
    },
    failTimes: (key: string, n: number) => {
      for (let i = 0; i < n; i++) limiter.recordFailure(key);
    },
  };
}

describe('AuthRateLimiter', () => {
  it('allows four failures and blocks after the fifth for the base backoff', () => {
    const { limiter, advance, failTimes } = limiterWithClock();
    failTimes('10.0.0.1', 4);
    expect(limiter.check('10.0.0.1')).toEqual({ allowed: true });
    limiter.recordFailure('10.0.0.1');
    expect(limiter.check('10.0.0.1')).toEqual({ allowed: false, retryAfterMs: 1_000 });
    advance(400);
    expect(limiter.check('10.0.0.1')).toEqual({ allowed: false, retryAfterMs: 600 });
    advance(600);
    expect(limiter.check('10.0.0.1')).toEqual({ allowed: true });
  });

  it('doubles the backoff on each further failure, capped at the maximum', () => {
    const { limiter, advance, failTimes } = limiterWithClock();
    failTimes('k', 5);
    const backoffs: number[] = [];
    for (let round = 0; round < 9; round++) {
      const decision = limiter.check('k');
      if (decision.allowed) throw new Error('expected a lockout');
      backoffs.push(decision.retryAfterMs);
      advance(decision.retryAfterMs);
      expect(limiter.check('k')).toEqual({ allowed: true });
      limiter.recordFailure('k');
    }
    expect(backoffs).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('counts only failures within the window', () => {
    const { limiter, advance, failTimes } = limiterWithClock();
    failTimes('k', 4);
    advance(60_000);
    limiter.recordFailure('k');
    expect(limiter.check('k')).toEqual({ allowed: true });
    failTimes('k', 3);
    expect(limiter.check('k')).toEqual({ allowed: true });
    limiter.recordFailure('k');
    expect(limiter.check('k')).toMatchObject({ allowed: false });
  });

  it('a success resets the key completely', () => {
    const { limiter, advance, failTimes } = limiterWithClock();
    failTimes('k', 5);
    advance(1_000);
    limiter.recordFailure('k');
    expect(limiter.check('k')).toEqual({ allowed: false, retryAfterMs: 2_000 });
    limiter.recordSuccess('k');
    expect(limiter.check('k')).toEqual({ allowed: true });
    failTimes('k', 4);
    expect(limiter.check('k')).toEqual({ allowed: true });
    limiter.recordFailure('k');
    expect(limiter.check('k')).toEqual({ allowed: false, retryAfterMs: 1_000 });
  });

  it('forgives a key after a quiet window following its lockout', () => {
    const { limiter, advance, failTimes } = limiterWithClock();
    failTimes('k', 5);
    advance(1_000 + 60_000);
    limiter.recordFailure('k');
    expect(limiter.check('k')).toEqual({ allowed: true });
    expect(limiter.size).toBe(1);
  });

  it('does not escalate on failures of attempts already in flight when the lockout began', () => {
    const { limiter, failTimes } = limiterWithClock();
    failTimes('k', 5);
    failTimes('k', 10);
    expect(limiter.check('k')).toEqual({ allowed: false, retryAfterMs: 1_000 });
  });

  it('keeps keys independent', () => {
    const { limiter, failTimes } = limiterWithClock();
    failTimes('a', 5);
    expect(limiter.check('a')).toMatchObject({ allowed: false });
    expect(limiter.check('b')).toEqual({ allowed: true });
  });

  it('honours custom thresholds', () => {
    const { limiter, failTimes } = limiterWithClock({ maxFailures: 2, baseBackoffMs: 250, maxBackoffMs: 500 });
    failTimes('k', 2);
    expect(limiter.check('k')).toEqual({ allowed: false, retryAfterMs: 250 });
  });

  it('bounds memory: drops stale keys and evicts the least recently failing beyond maxKeys', () => {
    const { limiter, advance, failTimes } = limiterWithClock({ maxKeys: 3 });
    failTimes('old', 1);
    advance(61_000);
    failTimes('a', 5);
    failTimes('b', 1);
    failTimes('c', 1);
    expect(limiter.size).toBe(3);
    failTimes('d', 1);
    expect(limiter.size).toBe(3);
    failTimes('b', 1);
    failTimes('e', 1);
    expect(limiter.size).toBe(3);
    // 'a' was the least recently failing key, so it went first, lockout and all.
    expect(limiter.check('a')).toEqual({ allowed: true });
    for (let i = 0; i < 1_000; i++) limiter.recordFailure(`flood-${i}`);
    expect(limiter.size).toBe(3);
  });

  it('forgets keys whose failures have aged out when checked', () => {
    const { limiter, advance, failTimes } = limiterWithClock();
    failTimes('k', 2);
    expect(limiter.size).toBe(1);
    advance(60_000);
    expect(limiter.check('k')).toEqual({ allowed: true });
    expect(limiter.size).toBe(0);
  });

  it('rejects nonsensical options', () => {
    expect(() => new AuthRateLimiter({ maxFailures: 0 })).toThrow(RangeError);
    expect(() => new AuthRateLimiter({ windowMs: -1 })).toThrow(RangeError);
    expect(() => new AuthRateLimiter({ maxKeys: 1.5 })).toThrow(RangeError);
  });

  it('uses the real clock by default', () => {
    const limiter = new AuthRateLimiter({ maxFailures: 1, baseBackoffMs: 60_000 });
    limiter.recordFailure('k');
    const decision = limiter.check('k');
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(decision.retryAfterMs).toBeGreaterThan(59_000);
  });
});
