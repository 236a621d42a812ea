import { median } from '../support/median.ts';
import type { ConfigurationName } from './configurations.ts';
import type { Workload } from './workloads.ts';

/** The figures of one configuration on one workload, over all rounds. */
export interface WorkloadResult {
  unit: Workload['unit'];
  /** One per round that succeeded, in round order. */
  samples: number[];
  /** One per round that failed. */
  errors: string[];
  /** Set when the workload cannot run on this configuration at all. */
  notApplicable?: string;
  /** For streams: bytes psql printed through this configuration (measured once, untimed). */
  outputBytes?: number;
  median?: number;
  /** median / direct's median. */
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

export function emptyWorkloadResult(workload: Workload): WorkloadResult {
  return { unit: workload.unit, samples: [], errors: [] };
}

/** Fills in medians, then ratios against the direct connection's median. */
export function summarise(results: ConfigurationResult[]): void {
  for (const config of results) {
    for (const result of Object.values(config.workloads)) {
      const middle = median(result.samples);
      if (middle !== undefined) result.median = middle;
    }
  }
  const direct = results.find((r) => r.name === 'direct');
  for (const config of results) {
    for (const [id, result] of Object.entries(config.workloads)) {
      const base = direct?.workloads[id]?.median;
      if (result.median !== undefined && base !== undefined && base > 0) result.ratioToDirect = result.median / base;
    }
  }
}
