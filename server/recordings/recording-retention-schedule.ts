import type { Logger } from '../http/logger.ts';
import { startPeriodicJob, type PeriodicJob } from '../scheduling/periodic-job.ts';
import { purgeExpiredRecordings } from './recording-retention.ts';
import type { RecordingRetentionOptions } from './recording-retention.ts';

export type RecordingRetentionSchedule = PeriodicJob;

export interface RecordingRetentionScheduleOptions extends Omit<RecordingRetentionOptions, 'now'> {
  log: Logger;
  /** Default: hourly. */
  intervalMs?: number;
  /** Default: two minutes after start. */
  firstRunMs?: number;
}

/** The recording purge, hourly; its advisory lock makes all replicas but one skip each round. */
export function startRecordingRetentionSchedule(opts: RecordingRetentionScheduleOptions): RecordingRetentionSchedule {
  return startPeriodicJob({
    name: 'recording retention',
    log: opts.log,
    intervalMs: opts.intervalMs ?? 60 * 60 * 1000,
    firstRunMs: opts.firstRunMs ?? 120_000,
    run: async () => {
      const result = await purgeExpiredRecordings(opts);
      if (result.removed > 0) opts.log.info({ removed: result.removed }, 'recording retention removed expired recordings');
    },
  });
}
