import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClusterSslMode, PostgresCluster } from '../../test/support/postgres-cluster.ts';
import { repoRoot, startGatehouseProxy } from '../../test/support/gatehouse-proxy.ts';
import { startPgBouncer } from './pgbouncer.ts';
import { stopChild, trackChild } from '../../test/support/child-processes.ts';
import type { Workload } from './workloads.ts';

export type ConfigurationName = 'direct' | 'gatehouse' | 'pgbouncer' | 'node-relay' | 'gatehouse+policy' | 'gatehouse+durable';

/** Relative to the repository root; another engineer provides it, the bench only picks it up. */
export const BENCH_POLICY_FILE = join('bench', 'pg', 'bench-policy.yaml');

export interface Configuration {
  name: ConfigurationName;
  /** Only the Gatehouse configurations are held to the targets. */
  isGatehouse: boolean;
  /** What the configuration is, for the report (never holds a credential). */
  description: string;
  /** Undefined when it failed to start (see startError). */
  url?: string;
  /** The process whose peak RSS is reported; none for a direct connection. */
  pid?: number;
  startError?: string;
  version?: string;
  /** Null while the proxy process runs (or there is none); once it has died, how and its last words. */
  exitNote(): string | null;
  /** Why a workload does not apply to this configuration, or null when it does. */
  notApplicable(workload: Workload): string | null;
  stop(): Promise<void>;
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim();
}

const LAST_WORDS_CHARS = 2_000;

function exitNote(program: string, child: ChildProcess, output: string): string | null {
  if (child.exitCode === null && child.signalCode === null) return null;
  const lastWords = output.trim().slice(-LAST_WORDS_CHARS);
  return `${program} exited (code ${child.exitCode}, signal ${child.signalCode})${lastWords === '' ? '' : `; its last output: ${lastWords}`}`;
}

function failed(name: ConfigurationName, isGatehouse: boolean, description: string, error: unknown): Configuration {
  return { name, isGatehouse, description, startError: errorText(error), exitNote: () => null, notApplicable: () => null, stop: async () => undefined };
}

export function directConfiguration(cluster: PostgresCluster, sslmode: ClusterSslMode): Configuration {
  return {
    name: 'direct',
    isGatehouse: false,
    description: `client -> PostgreSQL, sslmode=${sslmode}`,
    url: cluster.url({ user: 'scram', sslmode }),
    exitNote: () => null,
    notApplicable: () => null,
    stop: async () => undefined,
  };
}

async function gatehouseConfiguration(
  name: ConfigurationName,
  cluster: PostgresCluster,
  extraArgs: string[],
  cleanup: () => Promise<void> = async () => undefined,
  notApplicable: (workload: Workload) => string | null = () => null,
): Promise<Configuration> {
  const description = `gatehouse proxy pg ${extraArgs.join(' ')} (TLS upstream, sslmode=require)`;
  try {
    const proxy = await startGatehouseProxy(['--upstream', cluster.url({ user: 'scram', sslmode: 'require' }), ...extraArgs]);
    return {
      name,
      isGatehouse: true,
      description,
      url: proxy.url,
      pid: proxy.pid,
      exitNote: () => exitNote('gatehouse', proxy.child, proxy.stderr()),
      notApplicable,
      async stop() {
        await proxy.stop();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    return failed(name, true, description, error);
  }
}

export function startGatehouse(cluster: PostgresCluster, gatehouseArgs: string[]): Promise<Configuration> {
  return gatehouseConfiguration('gatehouse', cluster, gatehouseArgs);
}

/**
 * Only when the policy file (relative to the repository root) exists: Gatehouse with that policy
 * (its `audit:` mode, buffered) and an audit spool.
 */
export async function startGatehouseWithPolicy(cluster: PostgresCluster, policyFile = BENCH_POLICY_FILE): Promise<Configuration | null> {
  if (!existsSync(resolve(repoRoot, policyFile))) return null;
  const spool = await mkdtemp(join(tmpdir(), 'gh-bench-audit-'));
  return gatehouseConfiguration('gatehouse+policy', cluster, ['--policy', policyFile, '--audit-spool', spool], () =>
    rm(spool, { recursive: true, force: true }),
  );
}

/**
 * The same policy with `audit: durable`, to price durability: every statement waits for its
 * record's fsync (shared by concurrent sessions) before it is forwarded. Streams are one
 * statement each, so they are left to the buffered configuration.
 */
export async function startGatehouseWithDurableAudit(cluster: PostgresCluster, policyFile = BENCH_POLICY_FILE): Promise<Configuration | null> {
  const source = resolve(repoRoot, policyFile);
  if (!existsSync(source)) return null;
  const text = await readFile(source, 'utf8');
  const durable = text.replace(/^audit: buffered$/m, 'audit: durable');
  const dir = await mkdtemp(join(tmpdir(), 'gh-bench-durable-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  if (durable === text) {
    await cleanup();
    return failed('gatehouse+durable', true, 'gatehouse with audit: durable', new Error(`${policyFile} has no line "audit: buffered" to switch`));
  }
  const policyPath = join(dir, 'bench-policy-durable.yaml');
  await writeFile(policyPath, durable);
  return gatehouseConfiguration('gatehouse+durable', cluster, ['--policy', policyPath, '--audit-spool', join(dir, 'spool')], cleanup, (workload) =>
    workload.kind === 'stream' ? 'one statement per stream: the audit mode prices statements (see gatehouse+policy)' : null,
  );
}

export async function startPgBouncerConfiguration(cluster: PostgresCluster): Promise<Configuration> {
  const description = 'pgbouncer pool_mode=transaction (TLS upstream, server_tls_sslmode=require)';
  try {
    const { user, password } = cluster.users.scram;
    const bouncer = await startPgBouncer({ host: cluster.host, port: cluster.port, database: cluster.database, user, password });
    return {
      name: 'pgbouncer',
      isGatehouse: false,
      description: `${description}, version ${bouncer.version}`,
      url: bouncer.url,
      pid: bouncer.pid,
      version: bouncer.version,
      exitNote: () => exitNote('pgbouncer', bouncer.child, bouncer.log()),
      notApplicable: (workload) =>
        workload.kind === 'pgbench' && workload.usesPreparedStatements ? bouncer.preparedStatementsUnsupported : null,
      stop: () => bouncer.stop(),
    };
  } catch (error) {
    return failed('pgbouncer', false, description, error);
  }
}

const NODE_RELAY_ENTRY = join(repoRoot, 'bench', 'pg', 'node-relay-main.ts');
const NODE_RELAY_READY_MS = 30_000;

/**
 * node-relay-main.ts: SSLRequest, then bytes both ways — what the runtime alone costs on this
 * path. It connects as the md5 user: a relay that does not speak the protocol cannot carry a
 * SCRAM exchange, whose -PLUS variant the server offers once the leg to it is TLS.
 */
export async function startNodeRelayConfiguration(cluster: PostgresCluster): Promise<Configuration> {
  const description = 'Node.js relay: SSLRequest, then bytes both ways, no parsing (TLS upstream); md5 user';
  const child = spawn(process.execPath, ['--import', 'tsx', NODE_RELAY_ENTRY, cluster.host, String(cluster.port)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  trackChild(child, 'node relay');
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (output = (output + text).slice(-LAST_WORDS_CHARS)));
  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      let pending = '';
      const timer = setTimeout(() => reject(new Error(`no ready line within ${NODE_RELAY_READY_MS} ms: ${output}`)), NODE_RELAY_READY_MS);
      child.stdout!.setEncoding('utf8').on('data', (text: string) => {
        pending += text;
        const nl = pending.indexOf('\n');
        if (nl < 0) return;
        clearTimeout(timer);
        resolvePort((JSON.parse(pending.slice(0, nl)) as { port: number }).port);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited (${code ?? signal}): ${output}`));
      });
    });
    const url = new URL(cluster.url({ user: 'md5', sslmode: 'disable' }));
    url.port = String(port);
    return {
      name: 'node-relay',
      isGatehouse: false,
      description,
      url: url.toString(),
      pid: child.pid!,
      exitNote: () => exitNote('node relay', child, output),
      notApplicable: () => null,
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    return failed('node-relay', false, description, error);
  }
}
