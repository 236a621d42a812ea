import type { ConfigurationResult } from './bench-results.ts';
import type { Workload } from './workloads.ts';

/** What PgBouncer reached on this machine before; printed for context, the target uses this run's figure. */
export const EARLIER_PGBOUNCER_RATIOS: Readonly<Record<string, number>> = {
  'pgbench-select-c1': 0.79,
  'pgbench-select-c8': 0.42,
  'pgbench-tpcb-c8': 0.68,
};
export const STREAM_RATIO_TARGET = 0.9;
export const PEAK_RSS_TARGET_MB = 150;
export const PEAK_RSS_MEASURE = 'peak-rss';

export interface Target {
  /** A workload id, or PEAK_RSS_MEASURE. */
  measure: string;
  /** e.g. "≥ 0.79"; says why when there is nothing to compare with. */
  text: string;
  /** Undefined when the target cannot be judged in this run. */
  holds?: (config: ConfigurationResult) => boolean | undefined;
}

export interface TargetVerdict {
  configuration: string;
  measure: string;
  target: string;
  /** null when it could not be judged (no figure, or no threshold). */
  met: boolean | null;
}

function ratioAtLeast(workloadId: string, threshold: number): (config: ConfigurationResult) => boolean | undefined {
  return (config) => {
    const ratio = config.workloads[workloadId]?.ratioToDirect;
    return ratio === undefined ? undefined : ratio >= threshold;
  };
}

/**
 * The targets Gatehouse is held to: on pgbench at least PgBouncer's ratio measured in this same
 * run; on streams at least 0.9 of direct; a peak RSS under 150 MB.
 */
export function targetsOf(workloads: readonly Workload[], pgbouncer: ConfigurationResult | undefined): Target[] {
  const targets: Target[] = workloads.map((workload): Target => {
    switch (workload.kind) {
      case 'pgbench': {
        const threshold = pgbouncer?.workloads[workload.id]?.ratioToDirect;
        if (threshold === undefined) return { measure: workload.id, text: 'n/a' };
        return { measure: workload.id, text: `≥ ${threshold.toFixed(2)}`, holds: ratioAtLeast(workload.id, threshold) };
      }
      case 'stream':
        return { measure: workload.id, text: `≥ ${STREAM_RATIO_TARGET.toFixed(2)}`, holds: ratioAtLeast(workload.id, STREAM_RATIO_TARGET) };
      default:
        return workload satisfies never;
    }
  });
  targets.push({
    measure: PEAK_RSS_MEASURE,
    text: `< ${PEAK_RSS_TARGET_MB}`,
    holds: (config) => (config.peakRssMb === undefined ? undefined : config.peakRssMb < PEAK_RSS_TARGET_MB),
  });
  return targets;
}

export function judge(targets: readonly Target[], config: ConfigurationResult): TargetVerdict[] {
  return targets.map((target) => ({
    configuration: config.name,
    measure: target.measure,
    target: target.text,
    met: target.holds?.(config) ?? null,
  }));
}
