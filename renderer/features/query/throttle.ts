export interface Throttled {
  /** Ask for a run: runs now if the interval has passed, else once at the end of it. */
  trigger(): void;
  /** Runs a pending call now. */
  flush(): void;
  cancel(): void;
}

export interface ThrottleClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: ThrottleClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Leading and trailing throttle: at most one run per `intervalMs`, and never a lost last call. */
export function createThrottle(fn: () => void, intervalMs: number, clock: ThrottleClock = realClock): Throttled {
  let lastRun = Number.NEGATIVE_INFINITY;
  let timer: unknown = null;

  const run = (): void => {
    timer = null;
    lastRun = clock.now();
    fn();
  };

  return {
    trigger() {
      if (timer !== null) return;
      const wait = lastRun + intervalMs - clock.now();
      if (wait <= 0) run();
      else timer = clock.setTimeout(run, wait);
    },
    flush() {
      if (timer === null) return;
      clock.clearTimeout(timer);
      run();
    },
    cancel() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
}
