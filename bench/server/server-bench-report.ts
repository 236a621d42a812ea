import type { Outcome } from '../support/bench-steps.ts';
import { renderTextTable, sectionedRows } from '../support/text-table.ts';
import type { TableRow } from '../support/text-table.ts';
import type { ApprovalLatencyResult } from './approval-latency.ts';
import type { AuditIngestResult } from './audit-ingest.ts';
import type { BenchServer } from './bench-server.ts';
import { percentile } from './percentile.ts';
import type { ServerBenchOptions } from './server-bench-options.ts';
import {
  APPROVAL_P95_TARGET_MS,
  FAN_OUT_TARGET_MS,
  INGEST_TARGET_EVENTS_PER_SECOND,
  SSE_PER_CLIENT_TARGET_KB,
  atLeast,
  below,
  verdictText,
} from './server-targets.ts';
import type { TargetVerdict } from './server-targets.ts';
import type { SseMemoryResult } from './sse-memory.ts';

export interface ServerBenchResults {
  approvals: Outcome<ApprovalLatencyResult>;
  ingest: Array<{ store: BenchServer['store']; outcome: Outcome<AuditIngestResult> }>;
  sse: Outcome<SseMemoryResult>;
}

const STORE_TITLES: Record<BenchServer['store'], string> = { pglite: 'PGlite (embedded)', postgres: 'PostgreSQL' };

export const MEASURES = {
  notify: 'approval: held → approver notified (p95 ms)',
  execute: 'approval: approve → statement executed (p95 ms)',
  ingest: (store: BenchServer['store']) => `audit ingest ${store} (events/s)`,
  perClient: 'SSE: RSS per connected client (KB)',
  fanOut: 'SSE: one event reaches every client (ms)',
} as const;

function resultOf<T>(outcome: Outcome<T>): T | undefined {
  return outcome.ok ? outcome.result : undefined;
}

export function judgeAll(results: ServerBenchResults): TargetVerdict[] {
  const approvals = resultOf(results.approvals);
  const sse = resultOf(results.sse);
  return [
    below(MEASURES.notify, approvals && percentile(approvals.sentToNotifiedMs, 95), APPROVAL_P95_TARGET_MS, `< ${APPROVAL_P95_TARGET_MS} ms p95`),
    below(MEASURES.execute, approvals && percentile(approvals.approveToExecutedMs, 95), APPROVAL_P95_TARGET_MS, `< ${APPROVAL_P95_TARGET_MS} ms p95`),
    ...results.ingest.map(({ store, outcome }) =>
      atLeast(MEASURES.ingest(store), resultOf(outcome)?.eventsPerSecond, INGEST_TARGET_EVENTS_PER_SECOND, `≥ ${INGEST_TARGET_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s`),
    ),
    below(MEASURES.perClient, sse?.perClientKb, SSE_PER_CLIENT_TARGET_KB, `< ${SSE_PER_CLIENT_TARGET_KB} KB`),
    below(MEASURES.fanOut, sse?.fanOutAllMs, FAN_OUT_TARGET_MS, `< ${FAN_OUT_TARGET_MS.toLocaleString('en-US')} ms`),
  ];
}

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(1)} ms`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function whole(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function errorRows(errors: readonly string[]): TableRow[] {
  return errors.slice(0, 3).map((text) => ({ label: '  ! error', text: text.split('\n')[0]! }));
}

function approvalRows(outcome: Outcome<ApprovalLatencyResult>, verdicts: Map<string, TargetVerdict>): TableRow[] {
  if (!outcome.ok) return [{ label: '  failed', text: outcome.error.split('\n')[0]! }];
  const r = outcome.result;
  const latency = (label: string, samples: readonly number[], measure?: string): string[] => {
    const verdict = measure === undefined ? undefined : verdicts.get(measure);
    return [label, ms(percentile(samples, 50)), ms(percentile(samples, 95)), '', verdict?.target ?? '', verdictText(verdict)];
  };
  return [
    latency('  held (statement sent) → approver notified', r.sentToNotifiedMs, MEASURES.notify),
    latency('    of which: request created → notified', r.createdToNotifiedMs),
    latency('    statement sent → NOTICE at the client', r.sentToNoticeMs),
    latency('  approve → statement executed', r.approveToExecutedMs, MEASURES.execute),
    ['  statements timed', '', '', `${r.sentToNotifiedMs.length} of ${r.statements}`, '', ''],
    ['  rows the UPDATEs changed upstream (with warm-ups)', '', '', `${r.rowsChangedUpstream ?? '?'} of ${r.statements + r.warmUps}`, '', ''],
    ...errorRows(r.errors),
  ];
}

function ingestRows(results: ServerBenchResults['ingest'], verdicts: Map<string, TargetVerdict>): TableRow[] {
  return results.flatMap(({ store, outcome }): TableRow[] => {
    if (!outcome.ok) return [{ label: `  ${STORE_TITLES[store]}`, text: `failed: ${outcome.error.split('\n')[0]!}` }];
    const r = outcome.result;
    const verdict = verdicts.get(MEASURES.ingest(store));
    return [
      [`  ${STORE_TITLES[store]}: events/s`, '', '', whole(r.eventsPerSecond), verdict?.target ?? '', verdictText(verdict)],
      [`    batch answered in`, ms(r.batchMsP50), ms(r.batchMsP95), `${whole(r.acceptedEvents)} ev`, '', ''],
      ...errorRows(r.errors),
    ];
  });
}

function sseRows(outcome: Outcome<SseMemoryResult>, verdicts: Map<string, TargetVerdict>): TableRow[] {
  if (!outcome.ok) return [{ label: '  failed', text: outcome.error.split('\n')[0]! }];
  const r = outcome.result;
  const perClient = verdicts.get(MEASURES.perClient);
  const fanOut = verdicts.get(MEASURES.fanOut);
  return [
    ['  connected: seen here / server gauge', '', '', `${r.connected} / ${r.serverGauge ?? '?'}`, '', ''],
    ['  time to open them all', '', '', `${r.connectSeconds.toFixed(1)} s`, '', ''],
    ['  server RSS before', '', '', mb(r.before.rssBytes), '', ''],
    [`  server RSS with ${r.clients.toLocaleString('en-US')} clients`, '', '', mb(r.withClients.rssBytes), '', ''],
    ['  RSS per client', '', '', `${r.perClientKb.toFixed(1)} KB`, perClient?.target ?? '', verdictText(perClient)],
    ['  server peak RSS (VmHWM) after fan-out', '', '', mb(r.after.peakRssBytes), '', ''],
    [`  approval.requested → all ${r.fanOutReceived.toLocaleString('en-US')} clients`, ms(r.fanOutP50Ms), '', ms(r.fanOutAllMs), fanOut?.target ?? '', verdictText(fanOut)],
    ...errorRows(r.errors),
  ];
}

export function renderServerReport(results: ServerBenchResults, verdicts: readonly TargetVerdict[], options: ServerBenchOptions, outputFile: string): string {
  const byMeasure = new Map(verdicts.map((v) => [v.measure, v]));
  // Titles stay short: they share the first column, which they would otherwise widen.
  const sections: Array<{ title: string; rows: TableRow[] }> = [
    { title: `Approval latency (${options.statements} statements)`, rows: approvalRows(results.approvals, byMeasure) },
    { title: `Audit ingest (${options.ingestSenders} senders × ${options.batchSize} events)`, rows: ingestRows(results.ingest, byMeasure) },
    { title: `Event streams (${options.sseClients.toLocaleString('en-US')} clients)`, rows: sseRows(results.sse, byMeasure) },
  ];
  const { rows, rulesBefore } = sectionedRows(sections);
  const table = renderTextTable({
    headers: [['measure', 'p50', 'p95', 'value', 'target', 'result']],
    rows,
    align: ['left', 'right', 'right', 'right', 'left', 'left'],
    rulesBefore,
  });
  const missed = verdicts.filter((v) => v.met === false).length;
  const summary = `${verdicts.filter((v) => v.met === true).length} of ${verdicts.length} targets met${missed > 0 ? `, ${missed} missed` : ''} (targets never fail the bench).`;
  const notes = [
    'Approval latency: `gatehouse connect` (connectPostgres) runs in the bench process for alice against a real PostgreSQL',
    'cluster (verify-full TLS, durable audit spool), the policy server is its own process on PGlite; each UPDATE is held,',
    "bob's ServerEventStream sees approval.requested, bob approves with ServerApi.decideApproval, the client's query resolves.",
    `Audit ingest: POST /v1/audit/ingest for ${options.ingestSeconds} s per store, each sender waiting for its answer; only stored events count.`,
    "Event streams: plain http keep-alive streams as bob, one token; RSS is the server process's VmRSS from /proc (PGlite's",
    'WASM heap is most of it; bin/gatehouse.mjs runs the dist bundle when fresh, else tsx, which adds ~80 MB).',
    `Server log level: ${options.serverLogLevel}.`,
  ];
  return `\n${table}\n\n${summary}\n${notes.join('\n')}\nFigures and samples: ${outputFile}\n`;
}
