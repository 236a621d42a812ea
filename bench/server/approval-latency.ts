import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { connectPostgres } from '../../broker/connect/connect-postgres.ts';
import type { RunningConnection } from '../../broker/connect/connect-postgres.ts';
import { ServerApi } from '../../broker/server-client/api-client.ts';
import type { AccessTokenSource } from '../../broker/server-client/api-client.ts';
import { ServerEventStream } from '../../broker/server-client/event-stream.ts';
import type { PostgresCluster } from '../../test/support/postgres-cluster.ts';
import { BENCH_CONNECTION, createBenchConnection } from './bench-connection.ts';
import type { BenchServer } from './bench-server.ts';
import { KeyedArrivals } from './keyed-arrivals.ts';

export interface ApprovalLatencyResult {
  statements: number;
  warmUps: number;
  /** Client sends the UPDATE → bob's event stream delivers approval.requested (what the analyst and approver live through). */
  sentToNotifiedMs: number[];
  /** The request's createdAt (server clock, ms precision) → bob's stream delivers it: the server's part alone. */
  createdToNotifiedMs: number[];
  /** Client sends the UPDATE → the client gets the NOTICE naming the request. */
  sentToNoticeMs: number[];
  /** bob's decideApproval call starts → the client's query promise resolves with the row updated. */
  approveToExecutedMs: number[];
  /** Rows the UPDATEs changed, counted directly on the cluster afterwards. */
  rowsChangedUpstream: number | null;
  errors: string[];
}

interface Notification {
  at: number;
  epochMs: number;
  createdAt: string;
}

const STEP_TIMEOUT_MS = 15_000;
const MAX_CONSECUTIVE_ERRORS = 3;
const REQUEST_ID = /\(request ([^\s,)]+)/;

/** Milliseconds kept to the microsecond: finer digits are timer noise and only bloat the JSON. */
function microseconds(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function fixedToken(token: string): AccessTokenSource {
  return { accessToken: async () => token };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function startBobStream(server: BenchServer, notified: KeyedArrivals<Notification>): Promise<ServerEventStream> {
  const stream = new ServerEventStream({ baseUrl: server.url, tokens: fixedToken(server.tokens.bob) });
  stream.on('approval.requested', (event) => {
    notified.record(event.request.id, { at: performance.now(), epochMs: performance.timeOrigin + performance.now(), createdAt: event.request.createdAt });
  });
  const connected = new Promise<void>((resolve) => {
    const off = stream.onConnectionChange((up) => {
      if (up) {
        off();
        resolve();
      }
    });
  });
  stream.start();
  await withTimeout(connected, STEP_TIMEOUT_MS, "bob's event stream");
  return stream;
}

/**
 * Approval round trips through the real enforcing proxy: connectPostgres runs in this process
 * for alice (lease, policy, approvals and audit through the server process), a pg client sends
 * each UPDATE through it, bob's ServerEventStream sees the request arrive, and bob approves it
 * with the API the desktop app uses. Statements run one at a time, so each figure is one
 * request's own path, not queueing behind others.
 */
export async function measureApprovalLatency(opts: {
  server: BenchServer;
  cluster: PostgresCluster;
  statements: number;
  warmUps: number;
  progress: (message: string) => void;
}): Promise<ApprovalLatencyResult> {
  const { server, cluster } = opts;
  const total = opts.warmUps + opts.statements;
  const result: ApprovalLatencyResult = {
    statements: opts.statements,
    warmUps: opts.warmUps,
    sentToNotifiedMs: [],
    createdToNotifiedMs: [],
    sentToNoticeMs: [],
    approveToExecutedMs: [],
    rowsChangedUpstream: null,
    errors: [],
  };

  const created = await cluster.psql(
    `drop table if exists bench_items; create table bench_items (id int primary key, n int not null default 0); insert into bench_items select g from generate_series(1, ${total}) g;`,
  );
  if (created.code !== 0) throw new Error(`creating bench_items: ${created.stderr}`);
  await createBenchConnection(
    server,
    {
      host: cluster.host,
      port: cluster.port,
      database: cluster.database,
      user: cluster.users.scram.user,
      sslmode: 'verify-full',
      caPem: await readFile(cluster.tls.caCertFile, 'utf8'),
      requireAuth: ['scram-sha-256'],
    },
    cluster.users.scram.password,
  );

  const spoolDir = await mkdtemp(join(tmpdir(), 'gh-bench-spool-'));
  const notified = new KeyedArrivals<Notification>();
  let bobStream: ServerEventStream | undefined;
  let connection: RunningConnection | undefined;
  let client: pg.Client | undefined;
  try {
    bobStream = await startBobStream(server, notified);
    const bobApi = new ServerApi(server.url, fixedToken(server.tokens.bob));
    const aliceTokens = fixedToken(server.tokens.alice);
    connection = await connectPostgres({
      serverUrl: server.url,
      api: new ServerApi(server.url, aliceTokens),
      tokens: aliceTokens,
      connection: BENCH_CONNECTION,
      port: 0,
      spoolDir,
      graceMs: 60_000,
      log: pino({ level: 'silent' }),
    });
    client = new pg.Client({ connectionString: connection.url, ssl: false });
    // The NOTICE that tells the client its statement is held carries the request id.
    let onHeld: ((id: string) => void) | null = null;
    client.on('notice', (notice) => {
      const id = REQUEST_ID.exec(notice.message ?? '')?.[1];
      if (id !== undefined) onHeld?.(id);
    });
    client.on('error', (error) => result.errors.push(`client: ${error.message}`));
    await client.connect();

    let consecutiveErrors = 0;
    for (let i = 1; i <= total; i++) {
      const timed = i > opts.warmUps;
      try {
        const held = new Promise<{ id: string; at: number }>((resolve) => {
          onHeld = (id) => resolve({ id, at: performance.now() });
        });
        const sentAt = performance.now();
        const query = client.query(`update bench_items set n = n + 1 where id = ${i}`);
        // Observed from the start: a refusal must not surface as an unhandled rejection mid-wait.
        const executed = query.then((r) => ({ rows: r.rowCount, at: performance.now() }));
        executed.catch(() => undefined);
        const { id, at: noticeAt } = await withTimeout(Promise.race([held, executed.then(() => Promise.reject(new Error('the UPDATE ran without being held')))]), STEP_TIMEOUT_MS, 'the held NOTICE');
        const notification = await notified.waitFor(id, STEP_TIMEOUT_MS, 'approval.requested on bob\'s stream for');
        const approveAt = performance.now();
        await bobApi.decideApproval(id, { decision: 'approve', comment: 'bench:server' });
        const done = await withTimeout(executed, STEP_TIMEOUT_MS, 'the approved UPDATE');
        if (done.rows !== 1) throw new Error(`the approved UPDATE changed ${done.rows} rows, not 1`);
        consecutiveErrors = 0;
        if (!timed) continue;
        result.sentToNotifiedMs.push(microseconds(notification.at - sentAt));
        result.createdToNotifiedMs.push(microseconds(notification.epochMs - Date.parse(notification.createdAt)));
        result.sentToNoticeMs.push(microseconds(noticeAt - sentAt));
        result.approveToExecutedMs.push(microseconds(done.at - approveAt));
        if ((i - opts.warmUps) % 10 === 0) opts.progress(`approvals: ${i - opts.warmUps}/${opts.statements}`);
      } catch (error) {
        result.errors.push(`statement ${i}: ${(error as Error).message}`);
        if (++consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) {
          result.errors.push(`stopped after ${MAX_CONSECUTIVE_ERRORS} failures in a row`);
          break;
        }
      } finally {
        onHeld = null;
      }
    }
  } finally {
    await client?.end().catch(() => undefined);
    await connection?.close().catch((error: unknown) => result.errors.push(`closing the proxy: ${(error as Error).message}`));
    await bobStream?.close();
    await rm(spoolDir, { recursive: true, force: true });
  }
  const changed = await cluster.psql('select count(*) from bench_items where n = 1');
  result.rowsChangedUpstream = changed.code === 0 ? Number(changed.stdout.trim()) : null;
  return result;
}
