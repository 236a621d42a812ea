import type { Logger } from '../http/logger.ts';
import { startPeriodicJob, type PeriodicJob } from '../scheduling/periodic-job.ts';
import { purgeExpiredAuditRecords } from './audit-retention.ts';
import type { AuditRetentionOptions } from './audit-retention.ts';

export type AuditRetentionSchedule = PeriodicJob;

export interface AuditRetentionScheduleOptions extends Omit<AuditRetentionOptions, 'now'> {
  log: Logger;
  /** Default: hourly. */
  intervalMs?: number;
  /** Default: one minute after start. */
  firstRunMs?: number;
}

/** The retention purge, hourly; its advisory lock makes all replicas but one skip each round. */
export function startAuditRetentionSchedule(opts: AuditRetentionScheduleOptions): AuditRetentionSchedule {
  return startPeriodicJob({
    name: 'audit retention',
    log: opts.log,
    intervalMs: opts.intervalMs ?? 60 * 60 * 1000,
    firstRunMs: opts.firstRunMs ?? 60_000,
    run: async () => {
      const result = await purgeExpiredAuditRecords(opts);
      if (result.removed > 0) opts.log.info({ ...result, auditDays: opts.auditDays }, 'audit retention removed expired records');
    },
  });
}
