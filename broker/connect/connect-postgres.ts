import { randomBytes, randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { Lease } from '../../shared/api/connections.ts';
import type { Principal } from '../../shared/api/identity.ts';
import { initSqlParser } from '../../shared/sql/classify.ts';
import { AuditSpool } from '../audit/audit-spool.ts';
import { SpoolShipper } from '../audit/spool-shipper.ts';
import { makeScramVerifier } from '../pg/auth/scram-server.ts';
import { PgProxy } from '../pg/pg-proxy.ts';
import { CatalogClient } from '../pg/upstream/catalog-client.ts';
import { upstreamFromLease, type UpstreamConfig, type UpstreamSslMode, type UpstreamAuthMethod } from '../pg/upstream/upstream-config.ts';
import { EnforcingSessionPolicy } from '../policy/enforcing-session-policy.ts';
import { newClassificationCache, type PolicyRuntime } from '../policy/policy-runtime.ts';
import { ServerApprovalGate } from '../policy/server-approval-gate.ts';
import { defaultSpoolDir } from '../policy/session-policy-factory.ts';
import type { AccessTokenSource, ServerApi } from '../server-client/api-client.ts';
import { ServerEventStream } from '../server-client/event-stream.ts';
import type { Logger } from '../log.ts';
import { policyFromLease, renewLease } from './lease-renewal.ts';

export interface ConnectOptions {
  serverUrl: string;
  api: ServerApi;
  tokens: AccessTokenSource;
  connection: string;
  port: number;
  spoolDir?: string;
  /** How long a running session keeps enforcing its cached policy without the server. */
  graceMs: number;
  log: Logger;
}

export interface RunningConnection {
  url: string;
  listening: string;
  lease: Lease;
  close(): Promise<void>;
}

type PostgresLeaseTarget = { host: string; port: number; database: string; user: string; sslmode: UpstreamSslMode; caPem: string | null; requireAuth: UpstreamAuthMethod[] };

/**
 * `gatehouse connect` for a PostgreSQL connection: leases the credential from the server (fail
 * closed: no server, no listener), enforces the server's policy with approvals through the
 * server, ships the audit spool, follows policy changes, and refuses statements once the server
 * has been out of reach for longer than the grace period.
 */
export async function connectPostgres(o: ConnectOptions): Promise<RunningConnection> {
  const me: Principal = await o.api.me();
  const brokerSessionId = randomUUID();
  let lease = await o.api.createLease({ connection: o.connection, brokerSessionId });
  if (lease.kind !== 'postgres' || !('database' in lease.target)) throw new Error(`${o.connection} is not a PostgreSQL connection`);
  if (lease.credential.kind !== 'password') throw new Error(`${o.connection}: PostgreSQL connections need a password credential`);
  const target = lease.target as PostgresLeaseTarget;
  // The credential lives only in this closure; a renewed lease swaps it for new sessions.
  let password: string | null = lease.credential.password;
  const upstream: UpstreamConfig = { ...upstreamFromLease(target, null), password: () => password };
  await initSqlParser();

  const spoolDir = o.spoolDir ?? defaultSpoolDir(o.connection);
  const policy = policyFromLease(lease);
  const spool = await AuditSpool.open(spoolDir, { durability: policy.audit });
  const shipper = new SpoolShipper({ spoolDir, api: o.api, brokerId: `${hostname()}/${userInfo().username}/${brokerSessionId}`, log: o.log });
  shipper.start();

  const events = new ServerEventStream({ baseUrl: o.serverUrl, tokens: o.tokens });
  let connected = false;
  let lostAt = Date.now();
  events.onConnectionChange((up) => {
    if (connected && !up) lostAt = Date.now();
    connected = up;
  });
  const catalog = new CatalogClient(upstream);
  const runtime: PolicyRuntime = {
    policy,
    connection: o.connection,
    actor: { user: me.name, kind: me.machine ? 'machine' : 'human', localUser: userInfo().username },
    spool,
    catalog,
    maskingKey: randomBytes(32),
    volatility: new Map(),
    classifications: newClassificationCache(),
    log: o.log,
    approvals: new ServerApprovalGate(o.api, events, { brokerSessionId }),
    policyVersion: lease.policy.version,
    serverOutage: () => {
      if (connected) return null;
      const down = Date.now() - lostAt;
      return down > o.graceMs ? `the policy server has been unreachable for ${Math.round(down / 1000)} s (grace period ${Math.round(o.graceMs / 1000)} s)` : null;
    },
  };
  const stopRenewing = renewLease({
    api: o.api,
    events,
    connection: o.connection,
    brokerSessionId,
    lease,
    log: o.log,
    apply: (fresh, why) => {
      runtime.policy = policyFromLease(fresh);
      runtime.policyVersion = fresh.policy.version;
      if (fresh.credential.kind === 'password') password = fresh.credential.password;
      lease = fresh;
      o.log.info({ connection: o.connection, version: fresh.policy.version, why }, 'lease refreshed');
    },
  });
  events.start();

  const secret = randomBytes(24).toString('base64url');
  const proxy = new PgProxy({
    listenHost: '127.0.0.1',
    listenPort: o.port,
    upstream,
    credentials: { user: target.user, database: target.database, secret, verifier: makeScramVerifier(secret), method: 'scram-sha-256' },
    tls: null,
    policyForSession: () => new EnforcingSessionPolicy(runtime),
    log: o.log,
  });
  let addr: { host: string; port: number };
  try {
    addr = await proxy.listen();
  } catch (err) {
    // No listener, nothing to keep: stop what was started for it.
    stopRenewing();
    await events.close();
    shipper.stop();
    catalog.close();
    await spool.close();
    throw err;
  }
  const listening = `${addr.host}:${addr.port}`;
  const url = `postgres://${encodeURIComponent(target.user)}:${encodeURIComponent(secret)}@${listening}/${encodeURIComponent(target.database)}`;
  return {
    url,
    listening,
    // A renewal replaces the lease; readers see the one in force.
    get lease() {
      return lease;
    },
    close: async () => {
      stopRenewing();
      await proxy.close();
      await events.close();
      await shipper.flush().catch(() => undefined);
      shipper.stop();
      catalog.close();
      await spool.close();
    },
  };
}
