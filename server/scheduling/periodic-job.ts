import type { Logger } from '../http/logger.ts';

export interface PeriodicJob {
  /** Cancels future runs and waits for a run in progress. */
  stop(): Promise<void>;
}

export interface PeriodicJobOptions {
  /** Named in the log line of a failed round. */
  name: string;
  log: Logger;
  intervalMs: number;
  /** The first run, after start; later than boot so a starting fleet does not all run at once. */
  firstRunMs: number;
  run: () => Promise<void>;
}

/**
 * Runs a job now and then, one round at a time. Every replica runs the schedule; jobs that must
 * run on one replica take their own advisory lock inside `run`. A failed round is logged and
 * retried next round; the timer alone never keeps the process alive.
 */
export function startPeriodicJob(o: PeriodicJobOptions): PeriodicJob {
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const round = async (): Promise<void> => {
    try {
      await o.run();
    } catch (err) {
      o.log.error({ err }, `${o.name} failed`);
    }
  };
  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(() => {
        running = undefined;
        schedule(o.intervalMs);
      });
    }, ms);
    timer.unref();
  };
  schedule(o.firstRunMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
