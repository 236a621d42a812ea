import { pruneEvents } from '../events/event-store.ts';
import type { Logger } from '../http/logger.ts';
import type { Database } from '../store/database.ts';
import type { ApprovalService } from './approval-service.ts';

/** Constant shared by every replica; distinct from the migration (…01) and audit chain (…02) keys. */
export const APPROVAL_SCHEDULER_LOCK_KEY = 0x6761_7465_41;

export interface ApprovalSchedulerOptions {
  db: Database;
  service: ApprovalService;
  log: Logger;
  lockKey?: number;
  /** How often a replica that is not running the scheduler tries to take it over. */
  acquireEveryMs?: number;
  /** How often the running scheduler looks for overdue requests. */
  tickMs?: number;
  pruneEveryMs?: number;
  /** server_events older than this are removed (a client away longer re-reads its lists instead). */
  eventRetentionMs?: number;
}

const DEFAULT_ACQUIRE_EVERY_MS = 2_000;
const DEFAULT_TICK_MS = 500;
const DEFAULT_PRUNE_EVERY_MS = 60_000;
const DEFAULT_EVENT_RETENTION_MS = 24 * 60 * 60 * 1000;
const BATCH = 100;
const PRUNE_BATCH = 10_000;
const BACKOFF_AFTER_ERROR_MS = 5_000;

/**
 * Expires and escalates approval requests, and prunes old server events, on exactly one replica
 * at a time: the one holding a session-level advisory lock. The others keep trying to take it,
 * so when the holder stops or its database connection dies, another one carries on.
 */
export class ApprovalScheduler {
  private readonly db: Database;
  private readonly service: ApprovalService;
  private readonly log: Logger;
  private readonly lockKey: number;
  private readonly acquireEveryMs: number;
  private readonly tickMs: number;
  private readonly pruneEveryMs: number;
  private readonly eventRetentionMs: number;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private isLeading = false;
  private lastPrune = 0;

  constructor(opts: ApprovalSchedulerOptions) {
    this.db = opts.db;
    this.service = opts.service;
    this.log = opts.log;
    this.lockKey = opts.lockKey ?? APPROVAL_SCHEDULER_LOCK_KEY;
    this.acquireEveryMs = opts.acquireEveryMs ?? DEFAULT_ACQUIRE_EVERY_MS;
    this.tickMs = opts.tickMs ?? DEFAULT_TICK_MS;
    this.pruneEveryMs = opts.pruneEveryMs ?? DEFAULT_PRUNE_EVERY_MS;
    this.eventRetentionMs = opts.eventRetentionMs ?? DEFAULT_EVENT_RETENTION_MS;
  }

  /** True while this replica holds the lock and runs the scheduler. */
  get leading(): boolean {
    return this.isLeading;
  }

  start(): void {
    if (this.stopping.signal.aborted) throw new Error('the approval scheduler was stopped');
    this.loop ??= this.contend();
  }

  /** Stops the rounds and releases the lock; resolves once no round is running. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /** One round: expiries first (a request past its deadline must not be escalated), then escalations, then pruning when due. */
  async runOnce(): Promise<{ expired: number; escalated: number; pruned: number }> {
    const expired = await drain(() => this.service.expireDue(BATCH));
    const escalated = await drain(() => this.service.escalateDue(BATCH));
    let pruned = 0;
    if (Date.now() - this.lastPrune >= this.pruneEveryMs) {
      pruned = await pruneEvents(this.db, this.eventRetentionMs, PRUNE_BATCH);
      this.lastPrune = Date.now();
    }
    if (expired + escalated + pruned > 0) this.log.info({ expired, escalated, pruned }, 'approval scheduler round');
    return { expired, escalated, pruned };
  }

  private async contend(): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      try {
        const result = await this.db.tryAdvisoryLock(this.lockKey, (lost) => this.lead(lost));
        if (result.acquired && !stop.aborted) this.log.warn('approval scheduler: lost the lock; trying to take it again');
      } catch (e) {
        this.log.warn({ err: e }, 'approval scheduler: could not try the lock');
      }
      await sleep(this.acquireEveryMs, stop);
    }
  }

  private async lead(lost: AbortSignal): Promise<void> {
    const stop = this.stopping.signal;
    const either = AbortSignal.any([lost, stop]);
    this.isLeading = true;
    this.log.info('approval scheduler: running on this replica');
    try {
      while (!either.aborted) {
        let wait = this.tickMs;
        try {
          await this.runOnce();
        } catch (e) {
          if (either.aborted) break;
          this.log.warn({ err: e }, 'approval scheduler round failed');
          wait = BACKOFF_AFTER_ERROR_MS;
        }
        await sleep(wait, either);
      }
    } finally {
      this.isLeading = false;
    }
  }
}

/** Repeats a batch step until it handles less than a full batch; returns the total. */
async function drain(step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await step();
    total += n;
    if (n < BATCH) return total;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
