/**
 * Policy server benchmark: approval latency through the real proxy path, audit ingest
 * throughput on both stores, and the memory and fan-out time of many open event streams.
 *
 * Run:   npm run bench:server [-- --statements N] [--ingest-seconds N] [--ingest-senders N]
 *        [--batch-size N] [--sse-clients N] [--server-log-level L]
 *        (defaults: 30 statements, 10 s × 4 senders × 500-event batches per store, 1,000
 *        streams; about 1.5 minutes)
 *
 * What runs, one thing at a time on a throw-away PostgreSQL cluster and `gatehouse server
 * --dev-idp` processes (each with its own data directory and dev IdP):
 *   1. approvals: server on PGlite; connectPostgres for alice in this process; each UPDATE is
 *      held for approval, bob's event stream is told, bob approves, the UPDATE runs;
 *   2. audit ingest: the same server (PGlite), then a second one on the cluster (PostgreSQL);
 *   3. event streams: a fresh PGlite server; its RSS idle, then with N of bob's streams open,
 *      then the time one approval request takes to reach all of them.
 *
 * Read: p50/p95 over the timed samples (nearest rank); targets are judged and printed, never
 * fail the run. The same figures (with every sample) go to bench/results/server-latest.json.
 * Progress goes to stderr, the table to stdout.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot } from '../../test/support/gatehouse-proxy.ts';
import { startPostgresCluster } from '../../test/support/postgres-cluster.ts';
import type { PostgresCluster } from '../../test/support/postgres-cluster.ts';
import { benchSteps } from '../support/bench-steps.ts';
import type { Outcome } from '../support/bench-steps.ts';
import { measureApprovalLatency } from './approval-latency.ts';
import { measureAuditIngest } from './audit-ingest.ts';
import type { AuditIngestResult } from './audit-ingest.ts';
import { startBenchServer } from './bench-server.ts';
import type { BenchServer } from './bench-server.ts';
import { parseServerBenchOptions, USAGE } from './server-bench-options.ts';
import type { ServerBenchOptions } from './server-bench-options.ts';
import { judgeAll, renderServerReport } from './server-bench-report.ts';
import type { ServerBenchResults } from './server-bench-report.ts';
import { measureSseMemory } from './sse-memory.ts';
import type { SseMemoryResult } from './sse-memory.ts';

const OUTPUT_FILE = join(repoRoot, 'bench', 'results', 'server-latest.json');
const WARM_UP_STATEMENTS = 3;
const SERVER_DATABASE = 'gatehouse_server';
// Statement logging (on in the test cluster) would make the cluster's log, not the server, the bottleneck.
const CLUSTER_CONF = { log_statement: 'none' };

const { progress, attempt, stopQuietly } = benchSteps('bench:server');

async function ingestOn(server: BenchServer, options: ServerBenchOptions): Promise<AuditIngestResult> {
  progress(`audit ingest on ${server.store}: ${options.ingestSenders} senders for ${options.ingestSeconds} s`);
  return measureAuditIngest({ server, seconds: options.ingestSeconds, senders: options.ingestSenders, batchSize: options.batchSize, progress });
}

/** Approvals, then ingest, on one PGlite server process. */
async function onPglite(cluster: PostgresCluster, options: ServerBenchOptions): Promise<Pick<ServerBenchResults, 'approvals'> & { ingest: Outcome<AuditIngestResult> }> {
  progress('starting a server process on PGlite');
  const server = await startBenchServer({ logLevel: options.serverLogLevel });
  try {
    progress(`approvals: ${options.statements} statements (+${WARM_UP_STATEMENTS} warm-up)`);
    const approvals = await attempt('approvals', () => measureApprovalLatency({ server, cluster, statements: options.statements, warmUps: WARM_UP_STATEMENTS, progress }));
    const ingest = await attempt('audit ingest on PGlite', () => ingestOn(server, options));
    return { approvals, ingest };
  } finally {
    await stopQuietly('the PGlite server', server.stop);
  }
}

async function onPostgres(cluster: PostgresCluster, options: ServerBenchOptions): Promise<AuditIngestResult> {
  const created = await cluster.psql(`create database ${SERVER_DATABASE}`, { database: 'postgres' });
  if (created.code !== 0) throw new Error(`creating ${SERVER_DATABASE}: ${created.stderr}`);
  progress('starting a server process on PostgreSQL');
  const server = await startBenchServer({ logLevel: options.serverLogLevel, databaseUrl: cluster.url({ database: SERVER_DATABASE }) });
  try {
    return await ingestOn(server, options);
  } finally {
    await stopQuietly('the PostgreSQL server', server.stop);
  }
}

async function sseOnFreshServer(options: ServerBenchOptions): Promise<SseMemoryResult> {
  progress('starting a fresh server process on PGlite for the event streams');
  const server = await startBenchServer({ logLevel: options.serverLogLevel });
  try {
    return await measureSseMemory({ server, clients: options.sseClients, progress });
  } finally {
    await stopQuietly('the event-stream server', server.stop);
  }
}

async function main(): Promise<void> {
  const options = parseServerBenchOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const startedAt = Date.now();
  let cluster: PostgresCluster | undefined;
  try {
    progress('starting the PostgreSQL cluster');
    cluster = await startPostgresCluster({ extraConf: CLUSTER_CONF });
    const live = cluster;
    const pglite = await attempt('the PGlite server', () => onPglite(live, options));
    const postgresIngest = await attempt('audit ingest on PostgreSQL', () => onPostgres(live, options));
    await stopQuietly('the cluster', () => live.stop());
    const sse = await attempt('event streams', () => sseOnFreshServer(options));

    const results: ServerBenchResults = {
      approvals: pglite.ok ? pglite.result.approvals : pglite,
      ingest: [
        { store: 'pglite', outcome: pglite.ok ? pglite.result.ingest : pglite },
        { store: 'postgres', outcome: postgresIngest },
      ],
      sse,
    };
    const verdicts = judgeAll(results);
    await mkdir(join(repoRoot, 'bench', 'results'), { recursive: true });
    const report = {
      generatedAt: new Date().toISOString(),
      runSeconds: Math.round((Date.now() - startedAt) / 1000),
      settings: { ...options, warmUpStatements: WARM_UP_STATEMENTS, cpus: cpus().length, node: process.version },
      results,
      targets: verdicts,
    };
    await writeFile(OUTPUT_FILE, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(renderServerReport(results, verdicts, options, relative(process.cwd(), OUTPUT_FILE)));
  } finally {
    await stopQuietly('the cluster', cluster === undefined ? undefined : () => cluster!.stop());
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
