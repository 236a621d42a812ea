import { median } from '../support/median.ts';
import type { ConfigurationName } from './configurations.ts';
import type { Workload } from './workloads.ts';

/** The figures of one configuration on one workload, over all rounds. */
export interface WorkloadResult {
  unit: Workload['unit'];
  /** One per run that succeeded, in the order they ran. */
  samples: number[];
  /**
   * For each sample, the cycle it ran in: one cycle runs every configuration once, back to
   * back, so samples of one cycle saw the same moment of this shared machine.
   */
  cycles: number[];
  /** One per round that failed. */
  errors: string[];
  /** Set when the workload cannot run on this configuration at all. */
  notApplicable?: string;
  /** For streams: bytes psql printed through this configuration (measured once, untimed). */
  outputBytes?: number;
  median?: number;
  /** The median over cycles of this configuration's sample / direct's sample of the same cycle. */
  ratioToDirect?: number;
  /** pgbench through a proxy: the proxy's CPU time per transaction, µs, one per round. */
  proxyCpuMicrosPerTransaction?: number[];
}

export interface ConfigurationResult {
  name: ConfigurationName;
  description: string;
  startError?: string;
  /** Set when the proxy process died during the runs. */
  exited?: string;
  /** VmHWM of the proxy process after all runs (the last reading while it lived, if it died). */
  peakRssMb?: number;
  workloads: Record<string, WorkloadResult>;
}

/** The direct connection's results, which every ratio and stream rate is taken against. */
export function directResultOf(results: Iterable<ConfigurationResult>): ConfigurationResult | undefined {
  for (const result of results) if (result.name === 'direct') return result;
  return undefined;
}

export function emptyWorkloadResult(workload: Workload): WorkloadResult {
  return { unit: workload.unit, samples: [], cycles: [], errors: [] };
}

/**
 * Fills in medians, then ratios to the direct connection. A ratio pairs each sample with
 * direct's sample of the same cycle and takes the median of those ratios: the machine's speed
 * drifts over minutes, and a ratio of two medians taken at different moments carries the drift.
 */
export function summarise(results: ConfigurationResult[]): void {
  for (const config of results) {
    for (const result of Object.values(config.workloads)) {
      const middle = median(result.samples);
      if (middle !== undefined) result.median = middle;
    }
  }
  const direct = directResultOf(results);
  for (const config of results) {
    for (const [id, result] of Object.entries(config.workloads)) {
      const base = direct?.workloads[id];
      if (base === undefined) continue;
      const ratio = pairedRatio(result, base);
      if (ratio !== undefined) result.ratioToDirect = ratio;
    }
  }
}

/** The median of sample / direct sample over the cycles both have a sample in. */
export function pairedRatio(result: Pick<WorkloadResult, 'samples' | 'cycles'>, direct: Pick<WorkloadResult, 'samples' | 'cycles'>): number | undefined {
  const directByCycle = new Map<number, number>();
  direct.samples.forEach((value, i) => directByCycle.set(direct.cycles[i]!, value));
  const ratios: number[] = [];
  result.samples.forEach((value, i) => {
    const base = directByCycle.get(result.cycles[i]!);
    if (base !== undefined && base > 0) ratios.push(value / base);
  });
  return median(ratios);
}

/**
 * A stream's rate counts the result as the direct connection prints it, for every
 * configuration: a masked stream prints shorter values for the same rows, and counting its own
 * shorter output would charge the masking for bytes it removed. So two rates divide as their
 * elapsed times do.
 */
export function streamMegabytesPerSecond(results: Iterable<ConfigurationResult>, workloadId: string, seconds: number): number {
  const bytes = directResultOf(results)?.workloads[workloadId]?.outputBytes;
  if (bytes === undefined) throw new Error("the direct connection's output size is unknown");
  return bytes / seconds / 1e6;
}
