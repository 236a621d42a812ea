/**
 * The skeleton of a bench run: progress lines on stderr (stdout carries the table), sections
 * that may fail without ending the run, and stops that report instead of throwing, so
 * whatever else was started still gets stopped.
 */

/** A section either produced figures or failed as a whole; the others still report. */
export type Outcome<T> = { ok: true; result: T } | { ok: false; error: string };

export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim();
}

export interface BenchSteps {
  progress: (message: string) => void;
  /** Runs one section; a failure is reported and recorded, and the run goes on. */
  attempt: <T>(what: string, run: () => Promise<T>) => Promise<Outcome<T>>;
  /** A failure to stop is reported, not thrown, so what was started after it still stops. */
  stopQuietly: (what: string, stop: (() => Promise<unknown>) | undefined) => Promise<void>;
}

/** Steps whose progress lines carry `[<tag> hh:mm:ss]`, e.g. tag 'bench:ssh'. */
export function benchSteps(tag: string): BenchSteps {
  function progress(message: string): void {
    process.stderr.write(`[${tag} ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  }
  return {
    progress,
    async attempt<T>(what: string, run: () => Promise<T>): Promise<Outcome<T>> {
      try {
        return { ok: true, result: await run() };
      } catch (error) {
        progress(`${what} failed: ${errorText(error)}`);
        return { ok: false, error: errorText(error) };
      }
    },
    async stopQuietly(what: string, stop: (() => Promise<unknown>) | undefined): Promise<void> {
      await stop?.().catch((error: unknown) => progress(`stopping ${what}: ${errorText(error)}`));
    },
  };
}
