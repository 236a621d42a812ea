import pg from 'pg';
import { DEMO_ANALYST_GROUP, DEMO_POSTGRES_CONNECTION } from '../../bin/demo/demo-policies.ts';
import { readDemoState } from '../../bin/demo/demo-state.ts';
import { signInDemoUser } from '../../bin/demo/demo-sign-in.ts';
import type { RunningDemo } from '../../bin/demo/start-demo.ts';
import { approvalRequestSchema } from '../../shared/api/approvals.ts';
import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import { connectionSummarySchema } from '../../shared/api/connections.ts';
import type { ConnectionCreate } from '../../shared/api/connections.ts';

/**
 * What end-to-end tests need from a running demo besides its UI: the demo database read
 * directly as its superuser (the ground truth masked values are compared with), and the
 * server's API as a demo user (extra connections as dave, approval states as anyone).
 */

/** Runs `sql` on the demo's `shop` database as the PostgreSQL superuser, bypassing Gatehouse. */
export async function queryDemoDatabase<Row extends pg.QueryResultRow>(demo: RunningDemo, sql: string, params: unknown[] = []): Promise<Row[]> {
  const state = await readDemoState(demo.dataDir);
  if (state.postgres === undefined) throw new Error(`${demo.dataDir} holds no demo database passwords`);
  const client = new pg.Client({
    host: demo.postgres.host,
    port: demo.postgres.port,
    database: demo.postgres.database,
    user: 'postgres',
    password: state.postgres.superPassword,
    ssl: false,
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export interface DemoApi {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

/** The server's API as a demo user signed in through the dev IdP (no browser). */
export async function demoApiAs(demo: RunningDemo, username: string): Promise<DemoApi> {
  const tokens = await signInDemoUser(demo.serverUrl, username);
  return {
    async call(method, path, body) {
      const response = await fetch(`${demo.serverUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
    },
  };
}

export async function approvalState(api: DemoApi, id: string): Promise<ApprovalRequest> {
  const reply = await api.call('GET', `/v1/approvals/${encodeURIComponent(id)}`);
  if (reply.status !== 200) throw new Error(`GET /v1/approvals/${id} answered ${reply.status}: ${JSON.stringify(reply.json)}`);
  return approvalRequestSchema.parse(reply.json);
}

/**
 * Creates (as dave) a second connection to the demo database, same target and credential as
 * demo-postgres, whose writes need approval that expires after `expiresAfter` — so a test can
 * watch a request expire without changing the demo's own policy.
 */
export async function createShortExpiryConnection(demo: RunningDemo, name: string, expiresAfter: string): Promise<void> {
  const dave = await demoApiAs(demo, 'dave');
  const existing = connectionSummarySchema.parse((await dave.call('GET', `/v1/connections/${DEMO_POSTGRES_CONNECTION}`)).json);
  if (existing.kind !== 'postgres') throw new Error(`${DEMO_POSTGRES_CONNECTION} is not a PostgreSQL connection`);
  const state = await readDemoState(demo.dataDir);
  if (state.postgres === undefined) throw new Error(`${demo.dataDir} holds no demo database passwords`);
  const policyYaml = `version: 1
connection: ${name}
default: block
audit: durable
approval_wait: true
rules:
  - name: reads
    when: { class: [read, control] }
    action: allow
  - name: writes-expire-quickly
    when: { class: [write] }
    action: approve
    approvers: [db-approvers]
    expires_after: ${expiresAfter}
`;
  const spec: ConnectionCreate = {
    name,
    kind: 'postgres',
    description: `Demo shop database; write approvals expire after ${expiresAfter}`,
    target: existing.target,
    credential: { kind: 'password', password: state.postgres.appPassword },
    allowedGroups: [DEMO_ANALYST_GROUP],
    policyYaml,
    recordingRetentionDays: 1,
  };
  const created = await dave.call('POST', '/v1/connections', spec);
  if (created.status !== 201) throw new Error(`creating ${name} answered ${created.status}: ${JSON.stringify(created.json)}`);
}
