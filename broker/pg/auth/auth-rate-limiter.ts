/**
 * Slows password guessing against a local listener, keyed by client address.
 *
 * After `maxFailures` failures within `windowMs`, the key is refused for `baseBackoffMs`. Every
 * further failure before the key is forgiven locks it again for twice as long (capped at
 * `maxBackoffMs`). A success forgives at once; so does a quiet `windowMs` after the last
 * failure and the end of any lockout. Failures reported while a key is already locked out
 * (attempts that were in flight when the lockout began) do not escalate it further.
 * Memory is bounded: stale keys are dropped, and beyond `maxKeys` the least recently
 * active key is evicted.
 */

export interface AuthRateLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  maxKeys?: number;
  now?: () => number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface KeyRecord {
  /** Timestamps of the most recent failures, at most `maxFailures` of them. */
  recentFailures: number[];
  lockouts: number;
  blockedUntil: number;
  lastFailureAt: number;
}

/** 2^30 × any sane base already exceeds every cap; stops the doubling from reaching Infinity. */
const MAX_DOUBLINGS = 30;

function requirePositiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`AuthRateLimiter: ${name} must be a positive integer, got ${value}`);
  return value;
}

export class AuthRateLimiter {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** Insertion order doubles as recency order: a key is re-inserted whenever it fails. */
  private readonly records = new Map<string, KeyRecord>();

  constructor(opts: AuthRateLimiterOptions = {}) {
    this.maxFailures = requirePositiveInteger('maxFailures', opts.maxFailures ?? 5);
    this.windowMs = requirePositiveInteger('windowMs', opts.windowMs ?? 60_000);
    this.baseBackoffMs = requirePositiveInteger('baseBackoffMs', opts.baseBackoffMs ?? 1_000);
    this.maxBackoffMs = requirePositiveInteger('maxBackoffMs', opts.maxBackoffMs ?? 60_000);
    this.maxKeys = requirePositiveInteger('maxKeys', opts.maxKeys ?? 10_000);
    this.now = opts.now ?? Date.now;
  }

  /** Number of keys currently remembered (for tests and metrics). */
  get size(): number {
    return this.records.size;
  }

  check(key: string): RateLimitDecision {
    const now = this.now();
    const record = this.liveRecord(key, now);
    if (!record || now >= record.blockedUntil) return { allowed: true };
    return { allowed: false, retryAfterMs: record.blockedUntil - now };
  }

  recordFailure(key: string): void {
    const now = this.now();
    const record = this.liveRecord(key, now) ?? { recentFailures: [], lockouts: 0, blockedUntil: 0, lastFailureAt: now };
    this.records.delete(key);
    this.makeRoomForOneMore(now);
    this.records.set(key, record);
    record.lastFailureAt = now;
    if (now < record.blockedUntil) return;

    record.recentFailures = record.recentFailures.filter((at) => now - at < this.windowMs);
    record.recentFailures.push(now);
    if (record.recentFailures.length > this.maxFailures) record.recentFailures.shift();
    if (record.lockouts === 0 && record.recentFailures.length < this.maxFailures) return;

    record.lockouts += 1;
    const backoff = this.baseBackoffMs * 2 ** Math.min(record.lockouts - 1, MAX_DOUBLINGS);
    record.blockedUntil = now + Math.min(backoff, this.maxBackoffMs);
  }

  recordSuccess(key: string): void {
    this.records.delete(key);
  }

  private isStale(record: KeyRecord, now: number): boolean {
    return now - Math.max(record.lastFailureAt, record.blockedUntil) >= this.windowMs;
  }

  private liveRecord(key: string, now: number): KeyRecord | undefined {
    const record = this.records.get(key);
    if (record && this.isStale(record, now)) {
      this.records.delete(key);
      return undefined;
    }
    return record;
  }

  private makeRoomForOneMore(now: number): void {
    if (this.records.size < this.maxKeys) return;
    for (const [key, record] of this.records) {
      if (this.isStale(record, now)) this.records.delete(key);
    }
    for (const key of this.records.keys()) {
      if (this.records.size < this.maxKeys) break;
      this.records.delete(key);
    }
  }
}
