import type { BenchServer } from '../server/bench-server.ts';
import { median } from '../support/median.ts';
import type { BenchProxyProcess } from './bench-proxy-process.ts';
import { checkRecordedTransfer } from './recorded-output.ts';
import type { RecordingCheck } from './recorded-output.ts';
import { PATH_TITLES, timeTransfer } from './ssh-paths.ts';
import type { PathName, SshPath, TransferSource, TransferTiming } from './ssh-paths.ts';

/** The paths whose throughput is compared (the key exchange does not change the data phase). */
export type ThroughputPath = Exclude<PathName, 'direct-openssh-defaults'>;

export interface ThroughputFigures {
  /** Seconds of every timed transfer, per path, in round order. */
  seconds: Record<ThroughputPath, number[]>;
  /** Median over the rounds, in MB/s (10^6 bytes). */
  medianMBps: Record<ThroughputPath, number>;
  /** Median broker MB/s over median direct MB/s. */
  ratio: { recordingOn: number; recordingOff: number };
}

export interface ThroughputResult {
  bytes: number;
  /** Zeros, the whole command, spawn to exit (connection setup included): what the target is judged on. */
  wall: ThroughputFigures;
  /** Zeros, the data phase alone, first byte to last. */
  stream: ThroughputFigures;
  /** Plain text lines instead of zeros, for comparison: the whole command. */
  text: ThroughputFigures;
  /** Every recording-on transfer, counted in its recording. */
  recordings: RecordingCheck[];
}

const WARM_UP_BYTES = 20_000_000;
const RECORDING_END_TIMEOUT_MS = 120_000;

export interface ThroughputSetup {
  paths: ReadonlyArray<SshPath & { name: ThroughputPath }>;
  bytes: number;
  rounds: number;
  recordingProxy: BenchProxyProcess;
  recordingSpoolDir: string;
  server: BenchServer;
  progress: (message: string) => void;
}

/** One transfer; a recording-on transfer is not done until its recording holds every byte. */
async function transfer(setup: ThroughputSetup, path: SshPath, bytes: number, source: TransferSource): Promise<{ timing: TransferTiming; check: RecordingCheck | null }> {
  const before = setup.recordingProxy.endedCount();
  const timing = await timeTransfer(path, bytes, source);
  if (path.name !== 'recording-on') return { timing, check: null };
  const [ended] = await setup.recordingProxy.recordingsEnded(before, before + 1, RECORDING_END_TIMEOUT_MS);
  const check = await checkRecordedTransfer(ended!, bytes, setup.recordingSpoolDir, setup.server);
  if (!check.ok) throw new Error(`recording ${check.recording} does not hold the transfer: ${JSON.stringify(check)}`);
  return { timing, check };
}

/**
 * `ssh … 'head -c N /dev/zero' | wc -c` over every path, round after round, the order rotated
 * each round so that no path always runs first (or right after the recorder's disk writes);
 * then the same with text lines instead of zeros.
 */
export async function measureThroughput(setup: ThroughputSetup): Promise<ThroughputResult> {
  for (const path of setup.paths) {
    setup.progress(`throughput warm-up: ${WARM_UP_BYTES / 1e6} MB ${PATH_TITLES[path.name]}`);
    await transfer(setup, path, WARM_UP_BYTES, 'zeros');
  }
  const samples = (): Record<ThroughputPath, number[]> => ({ direct: [], 'recording-off': [], 'recording-on': [] });
  const wall = samples();
  const stream = samples();
  const text = samples();
  const recordings: RecordingCheck[] = [];
  for (let round = 0; round < setup.rounds; round++) {
    const order = setup.paths.map((_, i) => setup.paths[(i + round) % setup.paths.length]!);
    for (const path of order) {
      const done = await transfer(setup, path, setup.bytes, 'zeros');
      wall[path.name].push(done.timing.seconds);
      stream[path.name].push(done.timing.streamSeconds);
      if (done.check !== null) recordings.push(done.check);
      setup.progress(
        `round ${round + 1}/${setup.rounds}: ${PATH_TITLES[path.name]}: ${(setup.bytes / 1e6 / done.timing.seconds).toFixed(1)} MB/s ` +
          `(data phase ${((setup.bytes - 1) / 1e6 / done.timing.streamSeconds).toFixed(1)} MB/s)`,
      );
    }
    for (const path of order) {
      const done = await transfer(setup, path, setup.bytes, 'text');
      text[path.name].push(done.timing.seconds);
      if (done.check !== null) recordings.push(done.check);
      setup.progress(`round ${round + 1}/${setup.rounds}: text ${PATH_TITLES[path.name]}: ${(setup.bytes / 1e6 / done.timing.seconds).toFixed(1)} MB/s`);
    }
  }
  return { bytes: setup.bytes, wall: figures(wall, setup.bytes), stream: figures(stream, setup.bytes - 1), text: figures(text, setup.bytes), recordings };
}

function figures(seconds: Record<ThroughputPath, number[]>, bytes: number): ThroughputFigures {
  const mbps = (name: ThroughputPath): number => median(seconds[name].map((s) => bytes / 1e6 / s)) ?? Number.NaN;
  const medianMBps = { direct: mbps('direct'), 'recording-off': mbps('recording-off'), 'recording-on': mbps('recording-on') };
  return {
    seconds,
    medianMBps,
    ratio: { recordingOn: medianMBps['recording-on'] / medianMBps.direct, recordingOff: medianMBps['recording-off'] / medianMBps.direct },
  };
}
