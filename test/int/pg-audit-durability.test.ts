import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSpool } from '../../broker/audit/read-spool.ts';
import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.ts';
import { repoRoot, startGatehouseProxy } from '../support/gatehouse-proxy.ts';
import { runClientTool } from '../support/psql.ts';

/**
 * With `audit: durable` and with `audit: buffered` the proxy records a statement before the
 * upstream can see it (buffered: written to the kernel, fsync'ed later), so a kill -9 in the
 * middle of a busy load must leave no statement the server ran without its audit event. The server's own statement log says what reached it; the spool must cover it,
 * with at most one extra event per client (audited, then killed before it was forwarded).
 */

const POLICIES = {
  durable: join(repoRoot, 'test', 'fixtures', 'policies', 'allow-all-durable.yaml'),
  buffered: join(repoRoot, 'test', 'fixtures', 'policies', 'allow-all-buffered.yaml'),
};
const CLIENTS = 4;
const KILL_AFTER_MS = 3_000;
/** The kill waits for this much load, however slow the machine's fsync is. */
const MIN_LOGGED_BEFORE_KILL = 50;

let cluster: PostgresCluster;
let workDir: string;

beforeAll(async () => {
  cluster = await startPostgresCluster();
  workDir = await mkdtemp(join(tmpdir(), 'gh-durability-'));
});

afterAll(async () => {
  await cluster?.stop();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

async function spooledStatements(dir: string, marker: string): Promise<number> {
  let count = 0;
  for await (const event of readSpool(dir)) {
    if (event.kind === 'statement' && event.statement?.text.includes(marker) === true) count++;
  }
  return count;
}

async function loggedStatements(marker: string): Promise<number> {
  return (await cluster.statementLog()).filter((s) => s.includes(marker)).length;
}

/** Backends still working through bytes the proxy sent before it died keep logging for a moment. */
async function settledLogCount(marker: string): Promise<number> {
  let previous = -1;
  for (;;) {
    const count = await loggedStatements(marker);
    if (count === previous) return count;
    previous = count;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function killMidLoad(audit: 'durable' | 'buffered', mode: 'simple' | 'prepared'): Promise<{ spooled: number; logged: number }> {
  const marker = `gh-durability-${audit}-${mode}`;
  const spool = join(workDir, `spool-${audit}-${mode}`);
  const script = join(workDir, `${audit}-${mode}.sql`);
  await writeFile(script, `select 1 /* ${marker} */;\n`);
  const proxy = await startGatehouseProxy(['--upstream', cluster.url({ sslmode: 'require' }), '--policy', POLICIES[audit], '--audit-spool', spool]);
  const bench = runClientTool('pgbench', ['-n', '-M', mode, '-c', String(CLIENTS), '-j', '2', '-T', '30', '-f', script, proxy.url], { timeoutMs: 60_000 });
  const earliestKill = Date.now() + KILL_AFTER_MS;
  while (Date.now() < earliestKill || (await loggedStatements(marker)) < MIN_LOGGED_BEFORE_KILL) {
    if (Date.now() > earliestKill + 20_000) throw new Error(`pgbench made no progress through the proxy: ${proxy.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await proxy.stop('SIGKILL');
  const result = await bench;
  // Every client lost its connection: pgbench must not have run to its 30 s end.
  expect(result.code, result.stdout).not.toBe(0);
  const logged = await settledLogCount(marker);
  const spooled = await spooledStatements(spool, marker);
  return { spooled, logged };
}

describe.each(['durable', 'buffered'] as const)('kill -9 of the proxy under load with audit: %s', (audit) => {
  it.each(['simple', 'prepared'] as const)('every statement the server saw is in the spool (-M %s)', async (mode) => {
    const { spooled, logged } = await killMidLoad(audit, mode);
    expect(logged).toBeGreaterThanOrEqual(MIN_LOGGED_BEFORE_KILL);
    expect(spooled, `spool ${spooled} vs server log ${logged}`).toBeGreaterThanOrEqual(logged);
    expect(spooled, `spool ${spooled} vs server log ${logged}`).toBeLessThanOrEqual(logged + CLIENTS);
  });
});
