/**
 * PostgreSQL proxy benchmark: a direct connection, Gatehouse and PgBouncer, measured side by
 * side in one run against the same throw-away cluster.
 *
 * Run:   npm run bench:pg [-- --seconds N] [--rounds N] [--gatehouse-args "<args>"] [--direct-sslmode M]
 *        (defaults: 10 s per pgbench run, 3 rounds, gatehouse args "--allow-all"; ~13 min
 *        with all six configurations; `--rounds 3 --seconds 8` takes ~11)
 *
 * What runs: `pgbench -i -s 10` and a 1M-row table `bench_rows` (~100 bytes a row: id, email,
 * full_name, amount, created_at, note) are created once, directly. Then, for each round, every
 * workload runs on every configuration back to back (A/B/C/A/B/C), so drift in the machine
 * hits all of them alike (after short untimed warm-up runs):
 *   pgbench -S -c1, -S -c8, -M extended -S -c8, -M prepared -S -c8, TPC-B -c8 (all -j 2 -T <seconds>) → tps
 *   psql -A -t -c 'select * from bench_rows' and COPY bench_rows TO STDOUT, output to
 *   /dev/null → MB/s (10^6 bytes) of the result as direct prints it (see streamMegabytesPerSecond)
 * and after all runs the proxy's peak RSS (VmHWM); for pgbench through a proxy, also the
 * proxy's CPU time per transaction (from /proc/<pid>/stat around each run), printed as a note.
 *
 * Configurations: "direct" (client → server over TLS, sslmode=require unless --direct-sslmode
 * says otherwise; TLS costs ~25% of -S tps on this 2-core machine); "gatehouse"
 * (`gatehouse proxy pg --upstream …sslmode=require <--gatehouse-args>`); "pgbouncer" (our
 * own instance, pool_mode=transaction, server_tls_sslmode=require; -M prepared is n/a before
 * pgbouncer 1.21); "node-relay" (bench/pg/node-relay-main.ts: SSLRequest, then bytes both
 * ways with no parsing — what the Node.js runtime alone costs on this path, as the md5 user
 * because a blind relay cannot carry SCRAM-PLUS); and "gatehouse+policy" only when bench/pg/bench-policy.yaml exists
 * (`--policy bench/pg/bench-policy.yaml --audit-spool <tmp>`, its `audit: buffered`), with
 * "gatehouse+durable" beside it: the same policy switched to `audit: durable`, pgbench only,
 * which prices fsync-before-forward against group commit. Every path has exactly one TLS
 * leg, the one to the server; clients reach the local proxies over plain loopback TCP.
 *
 * Runs go in cycles: one cycle runs one workload through every configuration, back to back
 * (a round is one cycle per pgbench workload and STREAM_CYCLES_PER_ROUND per stream). Read:
 * each cell is the median of the configuration's samples, with the ratio to direct in
 * parentheses — the median over cycles of its sample divided by direct's sample of the same
 * cycle, which cancels the machine's drift between cycles.
 * Below the figures, the "target (Gatehouse)" row gives the threshold and one row per
 * Gatehouse configuration says met/MISSED. Targets never make the bench fail. The same
 * figures (with every round's sample) are written to bench/results/pg-latest.json.
 * Progress goes to stderr, the table to stdout.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { startPostgresCluster } from '../../test/support/postgres-cluster.ts';
import type { PostgresCluster } from '../../test/support/postgres-cluster.ts';
import { repoRoot } from '../../test/support/gatehouse-proxy.ts';
import { peakRssBytes } from '../support/peak-rss.ts';
import { processCpuMicros } from '../support/process-cpu.ts';
import { parseBenchOptions, USAGE } from './bench-options.ts';
import type { BenchOptions } from './bench-options.ts';
import { PGBENCH_SCALE, STREAM_ROWS, prepareBenchData, resetTpcbTables } from './bench-data.ts';
import { emptyWorkloadResult, streamMegabytesPerSecond, summarise } from './bench-results.ts';
import type { ConfigurationResult } from './bench-results.ts';
import { directConfiguration, startGatehouse, startGatehouseWithDurableAudit, startGatehouseWithPolicy, startNodeRelayConfiguration, startPgBouncerConfiguration } from './configurations.ts';
import type { Configuration } from './configurations.ts';
import { runPgbench } from './pgbench-run.ts';
import { renderReport } from './report-table.ts';
import { countStreamBytes, timeStream } from './stream-run.ts';
import { judge, targetsOf } from './targets.ts';
import { STREAM_CYCLES_PER_ROUND, WORKLOADS } from './workloads.ts';
import type { Workload } from './workloads.ts';

const OUTPUT_FILE = join(repoRoot, 'bench', 'results', 'pg-latest.json');

// Statement logging (on in the test cluster) would make the server, not the paths, the bottleneck.
const CLUSTER_CONF = { log_statement: 'none', shared_buffers: '256MB' };

function progress(message: string): void {
  process.stderr.write(`[bench:pg ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim();
}

function emptyResult(config: Configuration): ConfigurationResult {
  const workloads: ConfigurationResult['workloads'] = {};
  for (const workload of WORKLOADS) {
    workloads[workload.id] = emptyWorkloadResult(workload);
    const reason = config.notApplicable(workload);
    if (reason !== null) workloads[workload.id]!.notApplicable = reason;
  }
  return { name: config.name, description: config.description, ...(config.startError === undefined ? {} : { startError: config.startError }), workloads };
}

/** One timed sample: tps for pgbench, MB/s for streams (see streamMegabytesPerSecond). */
async function measure(workload: Workload, url: string, results: Map<Configuration, ConfigurationResult>, seconds: number): Promise<number> {
  switch (workload.kind) {
    case 'pgbench':
      return runPgbench(url, workload.pgbenchArgs, seconds);
    case 'stream':
      return streamMegabytesPerSecond(results.values(), workload.id, await timeStream(url, workload.psqlArgs));
    default:
      return workload satisfies never;
  }
}

const WARM_UP_SECONDS = 3;

/** Untimed short pgbench runs, directly, so the first configuration measured does not pay for cold caches. */
async function warmUp(cluster: PostgresCluster, direct: Configuration, seconds: number): Promise<void> {
  for (const workload of WORKLOADS) {
    if (workload.kind !== 'pgbench') continue;
    if (workload.resetsTpcbTables) await resetTpcbTables(cluster);
    await runPgbench(direct.url!, workload.pgbenchArgs, Math.min(WARM_UP_SECONDS, seconds));
  }
}

/** Untimed pass: the streams' output sizes, which also warms caches and checks each path works. */
async function countOutputs(configs: readonly Configuration[], results: Map<Configuration, ConfigurationResult>): Promise<void> {
  for (const workload of WORKLOADS) {
    if (workload.kind !== 'stream') continue;
    for (const config of configs) {
      const result = results.get(config)!.workloads[workload.id]!;
      if (config.url === undefined || result.notApplicable !== undefined) continue;
      try {
        result.outputBytes = await countStreamBytes(config.url, workload.psqlArgs);
      } catch (error) {
        result.errors.push(`counting output: ${errorText(error)}`);
      }
    }
  }
}

async function runRounds(cluster: PostgresCluster, configs: readonly Configuration[], results: Map<Configuration, ConfigurationResult>, options: BenchOptions): Promise<void> {
  let cycle = 0;
  for (let round = 1; round <= options.rounds; round++) {
    for (const workload of WORKLOADS) {
      // A stream lasts about a second, short enough for one noisy moment to decide it: each
      // round runs several cycles of them, and the ratios run over all of them.
      const cycles = workload.kind === 'stream' ? STREAM_CYCLES_PER_ROUND : 1;
      for (let repeat = 0; repeat < cycles; repeat++, cycle++) {
        for (const config of configs) await runOne(cluster, configs, config, workload, results, options, { round, cycle });
      }
    }
  }
}

/** One sample of one workload through one configuration, recorded under its cycle. */
async function runOne(
  cluster: PostgresCluster,
  configs: readonly Configuration[],
  config: Configuration,
  workload: Workload,
  results: Map<Configuration, ConfigurationResult>,
  options: BenchOptions,
  at: { round: number; cycle: number },
): Promise<void> {
  const result = results.get(config)!.workloads[workload.id]!;
  if (config.url === undefined || result.notApplicable !== undefined) return;
  if (workload.kind === 'stream' && result.outputBytes === undefined) return;
  const exited = config.exitNote();
  if (exited !== null) {
    results.get(config)!.exited = exited;
    result.errors.push(`not run: ${config.name} had exited`);
    return;
  }
  try {
    if (workload.kind === 'pgbench' && workload.resetsTpcbTables) await resetTpcbTables(cluster);
    const cpuBefore = workload.kind === 'pgbench' && config.pid !== undefined ? await processCpuMicros(config.pid) : null;
    const value = await measure(workload, config.url, results, options.seconds);
    result.samples.push(value);
    result.cycles.push(at.cycle);
    if (cpuBefore !== null) {
      const transactions = value * options.seconds;
      (result.proxyCpuMicrosPerTransaction ??= []).push(((await processCpuMicros(config.pid!)) - cpuBefore) / transactions);
    }
    progress(`round ${at.round}/${options.rounds} ${workload.title} ${config.name}: ${value.toFixed(1)} ${workload.unit}`);
  } catch (error) {
    result.errors.push(errorText(error));
    progress(`round ${at.round}/${options.rounds} ${workload.title} ${config.name}: error — ${errorText(error).split('\n')[0]}`);
    const died = config.exitNote();
    if (died !== null) {
      results.get(config)!.exited = died;
      progress(died);
    }
  }
  await recordPeakRss(configs, results);
}

/**
 * Read after every run, not only at the end: VmHWM only grows, and a proxy that dies on the way
 * still has a last known figure.
 */
async function recordPeakRss(configs: readonly Configuration[], results: Map<Configuration, ConfigurationResult>): Promise<void> {
  for (const config of configs) {
    if (config.pid === undefined || config.exitNote() !== null) continue;
    try {
      results.get(config)!.peakRssMb = (await peakRssBytes(config.pid)) / 1024 / 1024;
    } catch (error) {
      progress(`peak RSS of ${config.name}: ${errorText(error)}`);
    }
  }
}

async function stopAll(configs: readonly Configuration[], cluster: PostgresCluster | undefined): Promise<void> {
  for (const config of configs) {
    await config.stop().catch((error: unknown) => progress(`stopping ${config.name}: ${errorText(error)}`));
  }
  await cluster?.stop().catch((error: unknown) => progress(`stopping the cluster: ${errorText(error)}`));
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const configs: Configuration[] = [];
  let cluster: PostgresCluster | undefined;
  try {
    progress('starting the PostgreSQL cluster');
    cluster = await startPostgresCluster({ extraConf: CLUSTER_CONF });
    progress(`creating pgbench tables (scale ${PGBENCH_SCALE}) and ${STREAM_ROWS} rows of bench_rows`);
    const direct = directConfiguration(cluster, options.directSslMode);
    await prepareBenchData(cluster, direct.url!);

    // The node relay connects as the md5 user (see startNodeRelayConfiguration): it needs the same tables.
    const granted = await cluster.psql(`grant all on all tables in schema public to ${cluster.users.md5.user}`, { user: 'super' });
    if (granted.code !== 0) throw new Error(`granting the bench tables to the md5 user failed: ${granted.stderr.trim()}`);

    progress('starting gatehouse, pgbouncer and the node relay');
    configs.push(direct, await startGatehouse(cluster, options.gatehouseArgs), await startPgBouncerConfiguration(cluster), await startNodeRelayConfiguration(cluster));
    const withPolicy = await startGatehouseWithPolicy(cluster);
    if (withPolicy !== null) configs.push(withPolicy);
    const withDurableAudit = await startGatehouseWithDurableAudit(cluster);
    if (withDurableAudit !== null) configs.push(withDurableAudit);
    for (const config of configs) if (config.startError !== undefined) progress(`${config.name} failed to start: ${config.startError}`);

    const results = new Map(configs.map((config) => [config, emptyResult(config)]));
    const timedRuns = configs.filter((c) => c.url !== undefined).length * WORKLOADS.filter((w) => w.kind === 'pgbench').length * options.rounds;
    progress(`measuring: ${options.rounds} round(s); pgbench alone takes about ${Math.ceil((timedRuns * options.seconds) / 60)} min`);
    await warmUp(cluster, direct, options.seconds);
    await countOutputs(configs, results);
    await runRounds(cluster, configs, results, options);
    await recordPeakRss(configs, results);

    const all = [...results.values()];
    summarise(all);
    const targets = targetsOf(WORKLOADS, all.find((r) => r.name === 'pgbouncer'));
    const verdicts = configs.filter((c) => c.isGatehouse && c.startError === undefined).flatMap((c) => judge(targets, results.get(c)!));

    await mkdir(join(repoRoot, 'bench', 'results'), { recursive: true });
    const report = {
      generatedAt: new Date().toISOString(),
      settings: {
        rounds: options.rounds,
        secondsPerPgbenchRun: options.seconds,
        pgbenchThreads: 2,
        pgbenchScale: PGBENCH_SCALE,
        streamRows: STREAM_ROWS,
        gatehouseArgs: options.gatehouseArgs,
        directSslMode: options.directSslMode,
        pgbouncerVersion: configs.find((c) => c.name === 'pgbouncer')?.version ?? null,
        cpus: cpus().length,
        node: process.version,
      },
      workloads: WORKLOADS.map((w) => ({ id: w.id, title: w.title, unit: w.unit })),
      configurations: all,
      targets: verdicts,
    };
    await writeFile(OUTPUT_FILE, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      renderReport({ workloads: WORKLOADS, results: all, targets, verdicts, rounds: options.rounds, seconds: options.seconds, outputFile: relative(process.cwd(), OUTPUT_FILE) }),
    );
  } finally {
    progress('stopping everything');
    await stopAll(configs, cluster);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:pg failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
