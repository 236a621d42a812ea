import { median } from '../support/median.ts';
import { timeSetup } from './ssh-paths.ts';
import type { PathName, SshPath } from './ssh-paths.ts';

export interface ConnectionSetupResult {
  /** Milliseconds of every timed `ssh host true`, per path, in order. */
  ms: Record<PathName, number[]>;
  medianMs: Record<PathName, number>;
  /** Median through the broker minus median direct (with the broker's key exchange). */
  addedMs: { recordingOn: number; recordingOff: number };
}

const WARM_UPS = 2;

/**
 * `ssh host true` on every path in turn, sample after sample, so that a burst of load from
 * elsewhere hits all paths alike. Spawning ssh is part of every figure; the difference is
 * what the broker adds.
 */
export async function measureConnectionSetup(opts: { paths: readonly SshPath[]; samples: number; progress: (message: string) => void }): Promise<ConnectionSetupResult> {
  for (let i = 0; i < WARM_UPS; i++) for (const path of opts.paths) await timeSetup(path);
  const ms = { direct: [], 'direct-openssh-defaults': [], 'recording-off': [], 'recording-on': [] } as Record<PathName, number[]>;
  for (let sample = 0; sample < opts.samples; sample++) {
    for (const path of opts.paths) ms[path.name].push(await timeSetup(path));
    if ((sample + 1) % 5 === 0) opts.progress(`connection setup: ${sample + 1}/${opts.samples} samples per path`);
  }
  const of = (name: PathName): number => median(ms[name]) ?? Number.NaN;
  const medianMs = { direct: of('direct'), 'direct-openssh-defaults': of('direct-openssh-defaults'), 'recording-off': of('recording-off'), 'recording-on': of('recording-on') };
  return {
    ms,
    medianMs,
    addedMs: { recordingOn: medianMs['recording-on'] - medianMs.direct, recordingOff: medianMs['recording-off'] - medianMs.direct },
  };
}
