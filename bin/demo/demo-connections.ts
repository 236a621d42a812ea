import { isDeepStrictEqual } from 'node:util';
import { connectionSummarySchema } from '../../shared/api/connections.ts';
import type { ConnectionCreate, ConnectionSummary, PostgresTarget, SshTarget } from '../../shared/api/connections.ts';
import { DEMO_ANALYST_GROUP, DEMO_POSTGRES_CONNECTION, DEMO_POSTGRES_POLICY, DEMO_SSH_CONNECTION, DEMO_SSH_POLICY } from './demo-policies.ts';

/**
 * Puts the demo connections on the server through its own API, as dave (admin) would: the
 * credential goes in once and is only ever leased to brokers after that. On a restart a
 * connection that exists is kept, policy edits included; only its target is brought up to
 * date when a port had to change.
 */

export interface DemoTargets {
  postgres: { host: string; port: number; database: string; user: string; password: string; sslmode: 'verify-full' | 'disable'; caPem: string | null };
  ssh: { host: string; port: number; user: string; hostKey: string; privateKeyPem: string };
}

export type ConnectionOutcome = 'created' | 'updated' | 'kept' | 'retired';

export interface DemoConnectionsOutcome {
  [name: string]: ConnectionOutcome;
}

export function demoConnectionSpecs(targets: DemoTargets): ConnectionCreate[] {
  const postgresTarget: PostgresTarget = {
    host: targets.postgres.host,
    port: targets.postgres.port,
    database: targets.postgres.database,
    user: targets.postgres.user,
    sslmode: targets.postgres.sslmode,
    caPem: targets.postgres.caPem,
    // The cluster and the PGlite wire server both authenticate with SCRAM.
    requireAuth: ['scram-sha-256'],
  };
  const sshTarget: SshTarget = { host: targets.ssh.host, port: targets.ssh.port, user: targets.ssh.user, hostKey: targets.ssh.hostKey };
  return [
    {
      name: DEMO_POSTGRES_CONNECTION,
      kind: 'postgres',
      description: 'Demo shop database: 5,000 fake customers and 20,000 orders (PII masked, writes need approval)',
      target: postgresTarget,
      credential: { kind: 'password', password: targets.postgres.password },
      allowedGroups: [DEMO_ANALYST_GROUP],
      policyYaml: DEMO_POSTGRES_POLICY,
      recordingRetentionDays: 90,
    },
    {
      name: DEMO_SSH_CONNECTION,
      kind: 'ssh',
      description: 'Demo web server shop-web-1 (sessions recorded, file transfer refused)',
      target: sshTarget,
      credential: { kind: 'private-key', privateKeyPem: targets.ssh.privateKeyPem },
      allowedGroups: [DEMO_ANALYST_GROUP],
      policyYaml: DEMO_SSH_POLICY,
      recordingRetentionDays: 90,
    },
  ];
}

async function call(serverUrl: string, accessToken: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${serverUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
}

function failure(what: string, reply: { status: number; json: unknown }): Error {
  return new Error(`${what} answered ${reply.status}: ${JSON.stringify(reply.json)}`);
}

export async function ensureDemoConnections(serverUrl: string, accessToken: string, targets: DemoTargets): Promise<DemoConnectionsOutcome> {
  const outcome: DemoConnectionsOutcome = {};
  for (const spec of demoConnectionSpecs(targets)) {
    const path = `/v1/connections/${encodeURIComponent(spec.name)}`;
    const existing = await call(serverUrl, accessToken, 'GET', path);
    if (existing.status === 404) {
      const created = await call(serverUrl, accessToken, 'POST', '/v1/connections', spec);
      // 409: deleted by an admin during an earlier run, and names are never reused.
      if (created.status === 409) {
        outcome[spec.name] = 'retired';
        continue;
      }
      if (created.status !== 201) throw failure(`creating ${spec.name}`, created);
      outcome[spec.name] = 'created';
      continue;
    }
    if (existing.status !== 200) throw failure(`GET ${path}`, existing);
    const summary: ConnectionSummary = connectionSummarySchema.parse(existing.json);
    if (isDeepStrictEqual(summary.target, spec.target)) {
      outcome[spec.name] = 'kept';
      continue;
    }
    const updated = await call(serverUrl, accessToken, 'PATCH', path, { target: spec.target, credential: spec.credential });
    if (updated.status !== 200) throw failure(`updating ${spec.name}`, updated);
    outcome[spec.name] = 'updated';
  }
  return outcome;
}
