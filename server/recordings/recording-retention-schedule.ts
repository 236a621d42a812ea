import type { Logger } from '../http/logger.ts';
import { purgeExpiredRecordings } from './recording-retention.ts';
import type { RecordingRetentionOptions } from './recording-retention.ts';

export interface RecordingRetentionSchedule {
  /** Cancels future runs and waits for a run in progress. */
  stop(): Promise<void>;
}

export interface RecordingRetentionScheduleOptions extends Omit<RecordingRetentionOptions, 'now'> {
  log: Logger;
  /** Default: hourly. */
  intervalMs?: number;
  /** The first run, after start. Default: two minutes, so a starting fleet does not all purge at boot. */
  firstRunMs?: number;
}

/**
 * Runs the recording purge periodically. Every replica runs the schedule; the purge's advisory
 * lock makes all but one skip each round. A failed round is logged and retried next round.
 */
export function startRecordingRetentionSchedule(opts: RecordingRetentionScheduleOptions): RecordingRetentionSchedule {
  const intervalMs = opts.intervalMs ?? 60 * 60 * 1000;
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const round = async (): Promise<void> => {
    try {
      const result = await purgeExpiredRecordings(opts);
      if (result.removed > 0) opts.log.info({ removed: result.removed }, 'recording retention removed expired recordings');
    } catch (err) {
      opts.log.error({ err }, 'recording retention failed');
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
  schedule(opts.firstRunMs ?? 120_000);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
