import { join } from 'node:path';
import { repoRoot } from '../../test/support/gatehouse-proxy.ts';
import { runTimedCommand } from '../support/timed-command.ts';

export interface ScreenLatencyResult {
  /** As generated: the session's length and output. */
  sessionMinutes: number;
  outputMiB: number;
  events: number;
  chunks: number;
  snapshots: number;
  uploadSeconds: number;
  points: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** What bench/recordings/screen-latency.ts printed, for the results file. */
  output: string;
}

const SCRIPT = join(repoRoot, 'bench', 'recordings', 'screen-latency.ts');

function figure(output: string, pattern: RegExp, what: string): RegExpExecArray {
  const match = pattern.exec(output);
  if (match === null) throw new Error(`bench/recordings/screen-latency.ts printed no ${what}:\n${output}`);
  return match;
}

/**
 * Runs the existing /screen?t= benchmark (bench/recordings/screen-latency.ts: a generated
 * session uploaded to an in-process server on PGlite, then the screen at random times) as its
 * own process and reads its figures from what it prints.
 */
export async function runScreenLatency(opts: { minutes: number; megabytes: number; points: number }): Promise<ScreenLatencyResult> {
  const args = ['--import', 'tsx', SCRIPT, '--minutes', String(opts.minutes), '--megabytes', String(opts.megabytes), '--points', String(opts.points)];
  const run = await runTimedCommand(process.execPath, args, { timeoutMs: 900_000 });
  const output = run.stdout.trim();
  if (run.code !== 0) throw new Error(`bench/recordings/screen-latency.ts exited with ${run.code}: ${run.stderr.trim() || output}`);
  const session = figure(output, /session: ([\d.]+) min, ([\d.]+) MiB of output, (\d+) events/, 'session line');
  const upload = figure(output, /upload: (\d+) chunks in ([\d.]+) s .*; (\d+) snapshots; complete: true/, 'complete upload line');
  const screen = figure(output, /screen at (\d+) random t: p50 ([\d.]+) ms, p95 ([\d.]+) ms, max ([\d.]+) ms/, 'latency line');
  return {
    sessionMinutes: Number(session[1]),
    outputMiB: Number(session[2]),
    events: Number(session[3]),
    chunks: Number(upload[1]),
    uploadSeconds: Number(upload[2]),
    snapshots: Number(upload[3]),
    points: Number(screen[1]),
    p50Ms: Number(screen[2]),
    p95Ms: Number(screen[3]),
    maxMs: Number(screen[4]),
    output,
  };
}
