import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ApprovalCreate } from '../../shared/api/approvals.ts';
import { APPROVAL_RULE, BENCH_CONNECTION, createBenchConnection } from './bench-connection.ts';
import { callAs } from './bench-server.ts';
import type { BenchServer } from './bench-server.ts';
import { percentile } from './percentile.ts';
import { processMemory } from './process-memory.ts';
import type { ProcessMemory } from './process-memory.ts';
import { SseClientPool } from './sse-client-pool.ts';

export interface SseMemoryResult {
  clients: number;
  /** Streams this process saw connected, and what the server's gatehouse_sse_clients said. */
  connected: number;
  serverGauge: number | null;
  connectSeconds: number;
  before: ProcessMemory;
  withClients: ProcessMemory;
  /** After the fan-out; its peak covers the whole run. */
  after: ProcessMemory;
  perClientKb: number;
  /** POST /v1/approvals sent → the last stream received approval.requested. */
  fanOutAllMs: number | null;
  fanOutP50Ms: number | null;
  fanOutReceived: number;
  errors: string[];
}

const OPEN_CONCURRENCY = 50;
const OPEN_TIMEOUT_MS = 120_000;
const GAUGE_TIMEOUT_MS = 30_000;
const FAN_OUT_TIMEOUT_MS = 30_000;
const WARM_UP_STREAMS = 5;
// Lets the heap and sockets settle (and a GC or two run) before the resident set is read.
const SETTLE_MS = 3_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function sseGauge(server: BenchServer): Promise<number | null> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const match = /^gatehouse_sse_clients(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/m.exec(text);
  return match === null ? null : Number(match[1]);
}

async function waitForGauge(server: BenchServer, atLeast: number): Promise<number | null> {
  const deadline = Date.now() + GAUGE_TIMEOUT_MS;
  let value = await sseGauge(server);
  while (value !== null && value < atLeast && Date.now() < deadline) {
    await sleep(200);
    value = await sseGauge(server);
  }
  return value;
}

/** One statement for bob's group to approve, requested by alice: every stream of bob's gets it. */
async function requestApproval(server: BenchServer): Promise<void> {
  const body: ApprovalCreate = {
    connection: BENCH_CONNECTION,
    scope: { kind: 'statement', statement: `update bench_items set n = n + 1 where id = ${Date.now()}`, fingerprint: 'bench', class: 'write' },
    rule: APPROVAL_RULE,
    policyVersion: 1,
    brokerSessionId: randomUUID(),
  };
  await callAs(server, 'alice', 'POST', '/v1/approvals', body);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The server process's resident set with many idle event streams open, and how long one event
 * takes to reach all of them. The streams are bob's (one token for all: a tray per approver's
 * desktop), so the approval alice requests is meant for every one of them. The server should
 * be fresh: the figure before is its idle footprint after one warm-up round.
 */
export async function measureSseMemory(opts: { server: BenchServer; clients: number; progress: (message: string) => void }): Promise<SseMemoryResult> {
  const { server } = opts;
  const errors: string[] = [];
  await createBenchConnection(
    server,
    { host: '127.0.0.1', port: 5432, database: 'bench', user: 'bench', sslmode: 'disable', caPem: null, requireAuth: ['scram-sha-256'] },
    'never-used-bench-password',
  );

  // Warm-up: the stream route, the token check and the fan-out path run once before the baseline.
  const warm = new SseClientPool(server.url, server.tokens.bob);
  try {
    await warm.open(WARM_UP_STREAMS, WARM_UP_STREAMS, OPEN_TIMEOUT_MS);
    const arrived = warm.expectEverywhere('approval.requested');
    await requestApproval(server);
    if ((await withTimeout(arrived, FAN_OUT_TIMEOUT_MS)) === 'timeout') errors.push('warm-up: the event did not reach every stream');
  } finally {
    warm.close();
  }
  await waitForGauge(server, 0);
  await sleep(SETTLE_MS);
  const before = await processMemory(server.pid);

  const pool = new SseClientPool(server.url, server.tokens.bob);
  try {
    opts.progress(`event streams: opening ${opts.clients}`);
    const openStarted = performance.now();
    await pool.open(opts.clients, OPEN_CONCURRENCY, OPEN_TIMEOUT_MS);
    const connectSeconds = (performance.now() - openStarted) / 1000;
    const serverGauge = await waitForGauge(server, opts.clients);
    await sleep(SETTLE_MS);
    const withClients = await processMemory(server.pid);
    opts.progress(`event streams: ${pool.connectedCount} connected in ${connectSeconds.toFixed(1)} s (server gauge ${serverGauge ?? 'n/a'})`);

    const arrived = pool.expectEverywhere('approval.requested');
    const sentAt = performance.now();
    await requestApproval(server);
    const outcome = await withTimeout(arrived, FAN_OUT_TIMEOUT_MS);
    const delays = pool.arrivalTimes().map((at) => at - sentAt);
    if (outcome === 'timeout') errors.push(`fan-out: ${delays.length} of ${pool.connectedCount} streams had the event after ${FAN_OUT_TIMEOUT_MS} ms`);
    const after = await processMemory(server.pid);
    errors.push(...pool.errors);
    return {
      clients: opts.clients,
      connected: pool.connectedCount,
      serverGauge,
      connectSeconds,
      before,
      withClients,
      after,
      perClientKb: (withClients.rssBytes - before.rssBytes) / 1024 / opts.clients,
      fanOutAllMs: outcome === 'timeout' || delays.length === 0 ? null : Math.max(...delays),
      fanOutP50Ms: percentile(delays, 50) ?? null,
      fanOutReceived: delays.length,
      errors,
    };
  } finally {
    pool.close();
  }
}
