import type { Logger } from '../http/logger.ts';
import { purgeExpiredAuditRecords } from './audit-retention.ts';
import type { AuditRetentionOptions } from './audit-retention.ts';

export interface AuditRetentionSchedule {
  /** Cancels future runs and waits for a run in progress. */
  stop(): Promise<void>;
}

export interface AuditRetentionScheduleOptions extends Omit<AuditRetentionOptions, 'now'> {
  log: Logger;
  /** Default: hourly. */
  intervalMs?: number;
  /** The first run, after start. Default: one minute, so a starting fleet does not all purge at boot. */
  firstRunMs?: number;
}

/**
 * Runs the retention purge periodically. Every replica runs the schedule; the purge's advisory
 * lock makes all but one skip each round. A failed round is logged and retried next round.
 */
export function startAuditRetentionSchedule(opts: AuditRetentionScheduleOptions): AuditRetentionSchedule {
  const intervalMs = opts.intervalMs ?? 60 * 60 * 1000;
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const round = async (): Promise<void> => {
    try {
      const result = await purgeExpiredAuditRecords(opts);
      if (result.removed > 0) opts.log.info({ ...result, auditDays: opts.auditDays }, 'audit retention removed expired records');
    } catch (err) {
      opts.log.error({ err }, 'audit retention failed');
    }
  };
  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(() => {
        running = undefined;
        schedule(intervalMs);
      });
    }, ms);
    // The schedule alone must not keep the process alive.
    timer.unref();
  };
  schedule(opts.firstRunMs ?? 60_000);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
