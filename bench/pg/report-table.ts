import { median } from '../support/median.ts';
import { renderTextTable } from '../support/text-table.ts';
import type { ColumnAlign, TableRow } from '../support/text-table.ts';
import { directResultOf } from './bench-results.ts';
import type { ConfigurationResult, WorkloadResult } from './bench-results.ts';
import { EARLIER_PGBOUNCER_RATIOS, PEAK_RSS_MEASURE } from './targets.ts';
import type { Target, TargetVerdict } from './targets.ts';
import type { Workload } from './workloads.ts';
import { STREAM_CYCLES_PER_ROUND } from './workloads.ts';

function formatValue(value: number, unit: Workload['unit']): string {
  switch (unit) {
    case 'tps':
      return value.toFixed(0);
    case 'MB/s':
      return value.toFixed(1);
    default:
      return unit satisfies never;
  }
}

function workloadCell(config: ConfigurationResult, result: WorkloadResult | undefined): string {
  if (result === undefined) return '';
  if (result.notApplicable !== undefined) return 'n/a';
  if (result.median === undefined) return result.errors.length > 0 ? 'error' : '—';
  // A star marks a median over fewer rounds than planned (a round failed).
  const partial = result.errors.length > 0 ? '*' : '';
  const value = formatValue(result.median, result.unit) + partial;
  if (config.name === 'direct' || result.ratioToDirect === undefined) return value;
  return `${value} (${result.ratioToDirect.toFixed(2)})`;
}

function verdictCell(verdict: TargetVerdict | undefined): string {
  if (verdict === undefined || verdict.met === null) return '—';
  return verdict.met ? 'met' : 'MISSED';
}

/** Error texts often span lines (a tool's stderr); a table row needs them on one. */
function oneLine(text: string, max = 140): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Where a configuration prints a stream shorter or longer than direct does (masking shortens it). */
function streamSizeNotes(workloads: readonly Workload[], results: readonly ConfigurationResult[]): string[] {
  const direct = directResultOf(results);
  const notes: string[] = [];
  for (const w of workloads) {
    if (w.kind !== 'stream') continue;
    const directBytes = direct?.workloads[w.id]?.outputBytes;
    if (directBytes === undefined) continue;
    for (const config of results) {
      const bytes = config.workloads[w.id]?.outputBytes;
      if (bytes === undefined || bytes === directBytes) continue;
      notes.push(`${w.title}: ${config.name} prints ${(bytes / 1e6).toFixed(1)} MB against direct's ${(directBytes / 1e6).toFixed(1)}; stream MB/s count direct's bytes for every configuration, so (×direct) is the ratio of elapsed times`);
    }
  }
  return notes;
}

/** The side-by-side table (configurations down, runs across), then the target rows and notes. */
export function renderReport(opts: {
  workloads: readonly Workload[];
  results: readonly ConfigurationResult[];
  targets: readonly Target[];
  verdicts: readonly TargetVerdict[];
  rounds: number;
  seconds: number;
  outputFile: string;
}): string {
  const { workloads, results, targets, verdicts } = opts;
  const measures = [...workloads.map((w) => w.id), PEAK_RSS_MEASURE];
  const headers = [
    ['configuration', ...workloads.map((w) => w.title), 'peak RSS'],
    ['', ...workloads.map((w) => `${w.unit} (×direct)`), 'MB'],
  ];
  const align: ColumnAlign[] = ['left', ...measures.map((): ColumnAlign => 'right')];

  const rows: TableRow[] = results.map((config): TableRow => {
    if (config.startError !== undefined) return { label: config.name, text: `failed to start: ${oneLine(config.startError)}` };
    return [
      config.name,
      ...workloads.map((w) => workloadCell(config, config.workloads[w.id])),
      config.peakRssMb === undefined ? '—' : `${config.peakRssMb.toFixed(1)}${config.exited === undefined ? '' : ' (died)'}`,
    ];
  });
  const rulesBefore = [rows.length];
  rows.push(['target (Gatehouse)', ...measures.map((m) => targets.find((t) => t.measure === m)?.text ?? '')]);
  for (const config of results) {
    if (!verdicts.some((v) => v.configuration === config.name)) continue;
    rows.push([`  ${config.name}`, ...measures.map((m) => verdictCell(verdicts.find((v) => v.configuration === config.name && v.measure === m)))]);
  }

  const notes: string[] = [
    `median of ${opts.rounds} round(s) (streams: ${STREAM_CYCLES_PER_ROUND} cycles a round); a cycle runs every configuration once, back to back; pgbench -j 2 -T ${opts.seconds}; (×direct) = median over cycles of the sample / direct's sample of the same cycle`,
    'pgbench target: Gatehouse ratio ≥ PgBouncer ratio of this run (earlier on this machine PgBouncer reached ' +
      Object.entries(EARLIER_PGBOUNCER_RATIOS)
        .map(([id, ratio]) => `${workloads.find((w) => w.id === id)?.title ?? id} ${ratio.toFixed(2)}`)
        .join(', ') +
      '); streams ≥ 0.90 of direct; peak RSS (VmHWM) < 150 MB. Targets are reported, never enforced.',
  ];
  notes.push(...streamSizeNotes(workloads, results));
  for (const config of results) {
    notes.push(`${config.name}: ${config.description}`);
    if (config.startError !== undefined) notes.push(`  failed to start: ${oneLine(config.startError, 1000)}`);
    if (config.exited !== undefined) notes.push(`  ${oneLine(config.exited, 2500)}`);
    for (const w of workloads) {
      const result = config.workloads[w.id];
      if (result?.notApplicable !== undefined) notes.push(`  ${w.title}: n/a — ${result.notApplicable}`);
      for (const error of new Set(result?.errors ?? [])) notes.push(`  ${w.title}: error — ${oneLine(error, 300)}`);
    }
  }
  if (results.some((c) => Object.values(c.workloads).some((r) => r.errors.length > 0 && r.median !== undefined))) {
    notes.push('* median over the rounds that succeeded');
  }
  for (const config of results) {
    const perTransaction = workloads.flatMap((w) => {
      const cpu = median(config.workloads[w.id]?.proxyCpuMicrosPerTransaction ?? []);
      return cpu === undefined ? [] : [`${w.title} ${cpu.toFixed(0)}`];
    });
    if (perTransaction.length > 0) notes.push(`proxy CPU per transaction, µs (median): ${config.name}: ${perTransaction.join(', ')}`);
  }
  notes.push(`results as JSON: ${opts.outputFile}`);
  return `${renderTextTable({ headers, rows, align, rulesBefore })}\n\n${notes.join('\n')}\n`;
}
