/**
 * SSH benchmark: the broker's SSH proxy side by side with direct OpenSSH, and replay seeking.
 *
 * Run:   npm run bench:ssh [-- --rounds N] [--bytes N] [--setup-samples N] [--screen-points N]
 *        [--screen-minutes N] [--screen-megabytes N] [--profile] [--proxy-log-level L]
 *        (defaults: 3 rounds of 200 MB, 20 setups per path, 200 screen points on a 60-minute,
 *        100 MB recording; about 4 minutes)
 *
 * What runs, on free loopback ports, every process stopped by PID:
 *   - Debian's sshd in the foreground (test/support/sshd.ts), a key-authenticated test user;
 *   - `gatehouse server --dev-idp` on PGlite, holding the SSH connection, at the lowest CPU
 *     priority (it stands for a remote server);
 *   - two broker SSH proxies in processes of their own (bench-proxy-main.ts): recording off,
 *     and recording on (spool of the session's bytes + asciicast uploads to that server, as the product records);
 *   1. throughput: `ssh … 'head -c N /dev/zero' | wc -c` direct, through the proxy without and
 *      with recording, rounds alternating; every recorded transfer is counted in its spool;
 *   2. connection setup: `ssh host true` on each path in turn;
 *   3. /screen?t=: bench/recordings/screen-latency.ts, after everything else has stopped.
 *
 * Read: medians (setup also p95); targets are judged and printed, never fail the run. The same
 * figures with every sample go to bench/results/ssh-latest.json. Progress goes to stderr, the
 * table to stdout.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generateListenerKeys } from '../../broker/ssh/listener-keys.ts';
import { registerExitCleanup, runCommand } from '../../test/support/child-processes.ts';
import { repoRoot } from '../../test/support/gatehouse-proxy.ts';
import { startSshd } from '../../test/support/sshd.ts';
import type { SshdHandle } from '../../test/support/sshd.ts';
import type { BenchServer } from '../server/bench-server.ts';
import { benchSteps } from '../support/bench-steps.ts';
import type { BenchProxyConfig, RecordingMode } from './bench-proxy-protocol.ts';
import { startBenchProxy } from './bench-proxy-process.ts';
import type { BenchProxyProcess } from './bench-proxy-process.ts';
import { measureConnectionSetup } from './connection-setup.ts';
import { hotFunctions } from './cpu-profile-summary.ts';
import type { HotFunction } from './cpu-profile-summary.ts';
import { BENCH_CONNECTION, startRecordingServer } from './recording-server.ts';
import { runScreenLatency } from './screen-latency-run.ts';
import { parseSshBenchOptions, USAGE } from './ssh-bench-options.ts';
import type { SshBenchOptions } from './ssh-bench-options.ts';
import { judgeAll, renderSshReport } from './ssh-bench-report.ts';
import type { SshBenchResults } from './ssh-bench-report.ts';
import { BROKER_KEX, negotiated, sshPath } from './ssh-paths.ts';
import type { Negotiated, PathName, SshPath } from './ssh-paths.ts';
import { measureThroughput } from './throughput.ts';
import type { ThroughputPath } from './throughput.ts';

const OUTPUT_FILE = join(repoRoot, 'bench', 'results', 'ssh-latest.json');
const LOCAL_USER = 'alice';
const HOT_FUNCTIONS = 20;

const { progress, attempt, stopQuietly } = benchSteps('bench:ssh');

interface Rig {
  sshd: SshdHandle;
  server: BenchServer;
  proxies: Record<RecordingMode, BenchProxyProcess>;
  paths: SshPath[];
  recordingSpoolDir: string;
}

/** The proxies and the paths to reach sshd; everything started is pushed to `stops` at once. */
async function startProxies(work: string, sshd: SshdHandle, server: BenchServer, options: SshBenchOptions, profileDir: string | null, stops: Array<() => Promise<unknown>>): Promise<Rig> {
  const keys = generateListenerKeys('bench-ssh');
  const clientKeyFile = join(work, 'listener-client-key');
  writeFileSync(clientKeyFile, keys.clientPrivateKey, { mode: 0o600 });
  const recordingSpoolDir = join(work, 'recording-spool');
  const config = (recording: RecordingMode): BenchProxyConfig => ({
    recording,
    connection: BENCH_CONNECTION,
    localUser: LOCAL_USER,
    listenerHostKey: keys.hostKey,
    clientPublicKey: keys.clientPublicKey,
    upstream: { host: sshd.host, port: sshd.port, user: sshd.user, keyFile: sshd.userKeyFile, hostKey: sshd.hostKeyPublic },
    auditSpoolDir: join(work, `audit-spool-${recording}`),
    recordingSpoolDir,
    serverUrl: recording === 'on' ? server.url : null,
    logLevel: options.proxyLogLevel,
  });
  progress('starting the broker proxies (recording off, recording on)');
  const off = await startBenchProxy(config('off'), { token: null, cpuProfileDir: null });
  stops.push(off.stop);
  const on = await startBenchProxy(config('on'), { token: server.tokens.alice, cpuProfileDir: profileDir });
  stops.push(on.stop);
  const direct = { dir: work, port: sshd.port, hostKeyPublic: sshd.hostKeyPublic, identityFile: sshd.userKeyFile, user: sshd.user };
  const paths = [
    sshPath({ name: 'direct', ...direct, options: [`KexAlgorithms=${BROKER_KEX}`] }),
    sshPath({ name: 'direct-openssh-defaults', ...direct }),
    sshPath({ name: 'recording-off', dir: work, port: off.port, hostKeyPublic: off.hostKeyPublic, identityFile: clientKeyFile, user: LOCAL_USER }),
    sshPath({ name: 'recording-on', dir: work, port: on.port, hostKeyPublic: on.hostKeyPublic, identityFile: clientKeyFile, user: LOCAL_USER }),
  ];
  return { sshd, server, proxies: { off, on }, paths, recordingSpoolDir };
}

function comparedForThroughput(path: SshPath): path is SshPath & { name: ThroughputPath } {
  return path.name !== 'direct-openssh-defaults';
}

interface ProxiedResults extends Pick<SshBenchResults, 'throughput' | 'setup'> {
  negotiated: Partial<Record<PathName, Negotiated>>;
}

async function measureProxied(work: string, options: SshBenchOptions, profileDir: string | null): Promise<ProxiedResults> {
  const stops: Array<() => Promise<unknown>> = [];
  try {
    progress('starting sshd');
    const sshd = await startSshd();
    stops.push(sshd.stop);
    progress('starting the policy server (recording uploads)');
    const server = await startRecordingServer(sshd);
    stops.push(server.stop);
    const rig = await startProxies(work, sshd, server, options, profileDir, stops);
    const seen: ProxiedResults['negotiated'] = {};
    for (const path of rig.paths) seen[path.name] = await negotiated(path);
    progress(`negotiated: ${rig.paths.map((path) => `${path.name} ${seen[path.name]?.kex} ${seen[path.name]?.cipher}`).join('; ')}`);
    const throughput = await attempt('throughput', () =>
      measureThroughput({ paths: rig.paths.filter(comparedForThroughput), bytes: options.bytes, rounds: options.rounds, recordingProxy: rig.proxies.on, recordingSpoolDir: rig.recordingSpoolDir, server, progress }),
    );
    progress(`connection setup: ${options.setupSamples} samples per path`);
    const setup = await attempt('connection setup', () => measureConnectionSetup({ paths: rig.paths, samples: options.setupSamples, progress }));
    for (const [mode, proxy] of Object.entries(rig.proxies)) {
      if (!throughput.ok || !setup.ok) progress(`the recording-${mode} proxy logged:\n${proxy.stderr().slice(-4000)}`);
    }
    return { throughput, setup, negotiated: seen };
  } finally {
    // Last started, first stopped: the proxies before the server their uploads go to.
    for (const stop of stops.reverse()) await stopQuietly('a bench process', stop);
  }
}

async function saveProfile(profileDir: string): Promise<{ file: string; hot: HotFunction[] } | null> {
  const written = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
  if (written.length === 0) {
    progress('the recording-on proxy wrote no CPU profile');
    return null;
  }
  const file = join(tmpdir(), `gatehouse-bench-ssh-proxy-${Date.now()}.cpuprofile`);
  copyFileSync(join(profileDir, written[0]!), file);
  return { file, hot: await hotFunctions(file, HOT_FUNCTIONS) };
}

async function main(): Promise<void> {
  const options = parseSshBenchOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const startedAt = Date.now();
  const loadBefore = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'gh-bench-ssh-'));
  const unregister = registerExitCleanup(() => rmSync(work, { recursive: true, force: true }));
  try {
    const profileDir = options.profile ? join(work, 'cpu-profile') : null;
    if (profileDir !== null) await mkdir(profileDir);
    const { throughput, setup, negotiated: seen } = await measureProxied(work, options, profileDir);
    const profile = profileDir === null ? null : await saveProfile(profileDir);
    // The recordings' spool (over a GB per transfer) goes before the next measure needs the disk.
    rmSync(join(work, 'recording-spool'), { recursive: true, force: true });
    let screen: SshBenchResults['screen'] = null;
    if (options.screenPoints > 0) {
      progress(`/screen?t= latency: generating a ${options.screenMinutes}-minute, ${options.screenMegabytes} MB recording (bench/recordings/screen-latency.ts)`);
      screen = await attempt('/screen?t= latency', () => runScreenLatency({ minutes: options.screenMinutes, megabytes: options.screenMegabytes, points: options.screenPoints }));
    }
    const results: SshBenchResults = { throughput, setup, screen };
    const verdicts = judgeAll(results);
    const sshVersion = (await runCommand('ssh', ['-V'])).stderr.trim();
    const report = {
      generatedAt: new Date().toISOString(),
      runSeconds: Math.round((Date.now() - startedAt) / 1000),
      settings: { ...options, cpus: cpus().length, node: process.version, openssh: sshVersion, negotiated: seen, loadAverageBefore: loadBefore, loadAverageAfter: loadavg() },
      results,
      targets: verdicts,
      ...(profile === null ? {} : { profile: { file: profile.file, hotFunctions: profile.hot } }),
    };
    await mkdir(join(repoRoot, 'bench', 'results'), { recursive: true });
    await writeFile(OUTPUT_FILE, `${JSON.stringify(report, null, 2)}\n`);
    if (profile !== null) {
      process.stderr.write(`\nrecording-on proxy, self time (top ${HOT_FUNCTIONS}):\n`);
      for (const hot of profile.hot) process.stderr.write(`  ${hot.selfPercent.toFixed(1).padStart(5)}%  ${hot.where}\n`);
    }
    process.stdout.write(renderSshReport(results, verdicts, options, { outputFile: relative(process.cwd(), OUTPUT_FILE), profile: profile?.file ?? null }));
  } finally {
    rmSync(work, { recursive: true, force: true });
    unregister();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:ssh failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
