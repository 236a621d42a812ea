import { percentile } from '../server/percentile.ts';
import { atLeast, below, verdictText } from '../server/server-targets.ts';
import type { TargetVerdict } from '../server/server-targets.ts';
import type { Outcome } from '../support/bench-steps.ts';
import { renderTextTable, sectionedRows } from '../support/text-table.ts';
import type { TableRow } from '../support/text-table.ts';
import type { ConnectionSetupResult } from './connection-setup.ts';
import type { ScreenLatencyResult } from './screen-latency-run.ts';
import type { SshBenchOptions } from './ssh-bench-options.ts';
import { SCREEN_P95_TARGET_MS, SETUP_ADDED_TARGET_MS, THROUGHPUT_RATIO_TARGET, atMost } from './ssh-targets.ts';
import type { ThroughputPath, ThroughputResult } from './throughput.ts';

export interface SshBenchResults {
  throughput: Outcome<ThroughputResult>;
  setup: Outcome<ConnectionSetupResult>;
  /** null: skipped (--screen-points 0). */
  screen: Outcome<ScreenLatencyResult> | null;
}

export const MEASURES = {
  throughput: 'throughput through the broker, recording on / direct',
  setup: 'connection setup added by the broker, recording on (ms)',
  screen: '/screen?t= p95 (ms)',
} as const;

function resultOf<T>(outcome: Outcome<T> | null): T | undefined {
  return outcome?.ok === true ? outcome.result : undefined;
}

export function judgeAll(results: SshBenchResults): TargetVerdict[] {
  return [
    atLeast(MEASURES.throughput, resultOf(results.throughput)?.wall.ratio.recordingOn, THROUGHPUT_RATIO_TARGET, `≥ ${THROUGHPUT_RATIO_TARGET}× direct`),
    atMost(MEASURES.setup, resultOf(results.setup)?.addedMs.recordingOn, SETUP_ADDED_TARGET_MS, `≤ +${SETUP_ADDED_TARGET_MS} ms`),
    below(MEASURES.screen, resultOf(results.screen)?.p95Ms, SCREEN_P95_TARGET_MS, `< ${SCREEN_P95_TARGET_MS} ms p95`),
  ];
}

function mbps(value: number): string {
  return `${value.toFixed(1)} MB/s`;
}

function ms(value: number | undefined): string {
  return value === undefined ? '—' : `${value.toFixed(1)} ms`;
}

function signedMs(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)} ms`;
}

function whole(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function failed(error: string): TableRow[] {
  return [{ label: '  failed', text: error.split('\n')[0]! }];
}

function throughputRows(outcome: Outcome<ThroughputResult>, verdict: TargetVerdict | undefined): TableRow[] {
  if (!outcome.ok) return failed(outcome.error);
  const r = outcome.result;
  const rounds = (name: ThroughputPath): string => r.wall.seconds[name].map((s) => (r.bytes / 1e6 / s).toFixed(0)).join(' / ');
  const checks = r.recordings;
  const inSpool = checks.filter((c) => c.checkedIn === 'spool');
  const spoolMb = inSpool.length === 0 ? null : Math.max(...inSpool.map((c) => c.recordingBytes)) / 1e6;
  const uploadedMb = checks.reduce((sum, c) => sum + c.uploadedToServer, 0) / 1e6;
  const { wall, stream } = r;
  return [
    ['  recording on (spooled, uploading)', mbps(wall.medianMBps.direct), mbps(wall.medianMBps['recording-on']), `${wall.ratio.recordingOn.toFixed(2)}×`, verdict?.target ?? '', verdictText(verdict)],
    ['  recording off (for comparison)', '', mbps(wall.medianMBps['recording-off']), `${wall.ratio.recordingOff.toFixed(2)}×`, '', ''],
    ['  data phase only: recording on', mbps(stream.medianMBps.direct), mbps(stream.medianMBps['recording-on']), `${stream.ratio.recordingOn.toFixed(2)}×`, '', ''],
    ['  data phase only: recording off', '', mbps(stream.medianMBps['recording-off']), `${stream.ratio.recordingOff.toFixed(2)}×`, '', ''],
    ['  text lines instead: recording on', mbps(r.text.medianMBps.direct), mbps(r.text.medianMBps['recording-on']), `${r.text.ratio.recordingOn.toFixed(2)}×`, '', ''],
    ['  text lines instead: recording off', '', mbps(r.text.medianMBps['recording-off']), `${r.text.ratio.recordingOff.toFixed(2)}×`, '', ''],
    { label: '  every round, MB/s', text: `direct ${rounds('direct')} · off ${rounds('recording-off')} · on ${rounds('recording-on')}` },
    {
      label: '  recordings checked',
      text:
        `${checks.filter((c) => c.ok).length} of ${checks.length} hold all ${whole(r.bytes)} bytes of output` +
        (spoolMb === null ? '' : `; largest spool events file ${spoolMb.toFixed(0)} MB`) +
        `; ${uploadedMb.toFixed(1)} MB on the server when checked`,
    },
  ];
}

function setupRows(outcome: Outcome<ConnectionSetupResult>, verdict: TargetVerdict | undefined): TableRow[] {
  if (!outcome.ok) return failed(outcome.error);
  const r = outcome.result;
  const p95 = (name: keyof ConnectionSetupResult['ms']): string => ms(percentile(r.ms[name], 95));
  return [
    ['  recording on', ms(r.medianMs.direct), ms(r.medianMs['recording-on']), signedMs(r.addedMs.recordingOn), verdict?.target ?? '', verdictText(verdict)],
    ['  recording off (for comparison)', '', ms(r.medianMs['recording-off']), signedMs(r.addedMs.recordingOff), '', ''],
    ['  p95', p95('direct'), `${p95('recording-on')} (off ${p95('recording-off')})`, '', '', ''],
    ['  direct, OpenSSH default key exchange', ms(r.medianMs['direct-openssh-defaults']), '', '', '', ''],
  ];
}

function screenRows(outcome: Outcome<ScreenLatencyResult> | null, verdict: TargetVerdict | undefined): TableRow[] {
  if (outcome === null) return [{ label: '  skipped', text: '--screen-points 0' }];
  if (!outcome.ok) return failed(outcome.error);
  const r = outcome.result;
  return [
    ['  p50', '', ms(r.p50Ms), '', '', ''],
    ['  p95', '', ms(r.p95Ms), '', verdict?.target ?? '', verdictText(verdict)],
    ['  max', '', ms(r.maxMs), '', '', ''],
    {
      label: '  recording',
      text: `${r.sessionMinutes.toFixed(1)} min, ${r.outputMiB.toFixed(1)} MiB of output, ${whole(r.events)} events; uploaded in ${r.chunks} chunks in ${r.uploadSeconds.toFixed(1)} s; ${r.snapshots} snapshots`,
    },
  ];
}

export function renderSshReport(results: SshBenchResults, verdicts: readonly TargetVerdict[], options: SshBenchOptions, extras: { outputFile: string; profile: string | null }): string {
  const byMeasure = new Map(verdicts.map((v) => [v.measure, v]));
  const screenTitle = results.screen?.ok === true ? `/screen?t= latency (${results.screen.result.points} random t)` : '/screen?t= latency';
  // Titles stay short: they share the first column, which they would otherwise widen.
  const sections: Array<{ title: string; rows: TableRow[] }> = [
    { title: `Throughput (median of ${options.rounds})`, rows: throughputRows(results.throughput, byMeasure.get(MEASURES.throughput)) },
    { title: `Setup: ssh host true (median of ${options.setupSamples})`, rows: setupRows(results.setup, byMeasure.get(MEASURES.setup)) },
    { title: screenTitle, rows: screenRows(results.screen, byMeasure.get(MEASURES.screen)) },
  ];
  const { rows, rulesBefore } = sectionedRows(sections);
  const table = renderTextTable({
    headers: [['measure', 'direct', 'gatehouse', 'vs direct', 'target', 'result']],
    rows,
    align: ['left', 'right', 'right', 'right', 'left', 'left'],
    rulesBefore,
  });
  const judged = verdicts.filter((v) => v.met !== null);
  const missed = verdicts.filter((v) => v.met === false).length;
  const summary = `${verdicts.filter((v) => v.met === true).length} of ${judged.length} targets met${missed > 0 ? `, ${missed} missed` : ''} (targets never fail the bench).`;
  const notes = [
    `Throughput: real OpenSSH client, \`ssh … 'head -c ${options.bytes} /dev/zero' | wc -c\`, timed from spawn to exit, MB = 10^6 bytes;`,
    'direct to Debian sshd, or through the broker (SshProxy in its own process, durable audit spool, upstream ssh2 with the',
    "pinned host key). Recording on: the product's recorder factory writes the session's bytes to its local spool (fdatasync",
    'in groups) and uploads asciicast chunks while the session runs to a real `gatehouse server` (PGlite) kept at the lowest',
    'CPU priority, as a remote server would be; every recorded transfer is then counted byte for byte in the spool or on the server.',
    "Text lines: `yes '<an 86-byte log line>' | head -c N` instead of zeros, for comparison (not judged).",
    'The data phase is timed from the first byte read to the last. Both broker legs negotiate curve25519-sha256 (ssh2 has no',
    'post-quantum hybrid), so "direct" pins that key exchange too; OpenSSH 9 defaults to sntrup761x25519 (shown on its own).',
    'Setup: `ssh host true` (connect, key exchange, auth, exec, exit status, close); the broker opens its upstream after the',
    'client authenticates. Each path alternates with the others, sample by sample.',
    '/screen?t=: bench/recordings/screen-latency.ts run as is (in-process server on PGlite, a generated session).',
  ];
  const profile = extras.profile === null ? '' : `CPU profile of the recording-on proxy: ${extras.profile}\n`;
  return `\n${table}\n\n${summary}\n${notes.join('\n')}\n${profile}Figures and samples: ${extras.outputFile}\n`;
}
