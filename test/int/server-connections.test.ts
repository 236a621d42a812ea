import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../server/audit/audit-chain.ts';
import { loadServerConfig } from '../../server/config/load-config.ts';
import { LEASE_TTL_MS } from '../../server/connections/lease-routes.ts';
import { startServer } from '../../server/start-server.ts';
import type { RunningServer } from '../../server/start-server.ts';
import { leaseSchema } from '../../shared/api/connections.ts';
import { loginWithPassword } from '../support/dev-idp.ts';

/*
 * The connections API end to end: a real server in this process (embedded PGlite, its dev
 * IdP), real tokens from the dev IdP's login form, and checks of what lands in the database.
 */

const PG_PASSWORD = 'Pg-Sup3r-Secret-Password!';
const NEW_PG_PASSWORD = 'Rotated-Pg-Secret-0987';
const SSH_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ-test-key\n-----END OPENSSH PRIVATE KEY-----\n';
const SECRETS = [PG_PASSWORD, NEW_PG_PASSWORD, 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ-test-key'];

const POLICY_V1 = `version: 1
connection: analytics
default: allow
rules:
  - name: no-ddl
    when: { class: [ddl, dangerous] }
    action: block
masking:
  columns:
    "public.people.email": redact
`;

const POLICY_V2 = `version: 1
connection: analytics
default: block
rules:
  - name: no-ddl
    when: { class: [ddl, dangerous] }
    action: block
  - name: reads
    when: { class: [read] }
    action: allow
masking:
  columns:
    "public.people.email": redact
`;

const PG_TARGET = { host: 'db.internal', port: 5432, database: 'analytics', user: 'gatehouse', sslmode: 'verify-full', caPem: null };

interface Reply {
  status: number;
  body: unknown;
  text: string;
}

let dir: string;
let server: RunningServer;
const tokens: Record<'dave' | 'alice' | 'carol' | 'bob', string> = { dave: '', alice: '', carol: '', bob: '' };
/** Every reply body, to check where a credential appears. */
const replies: Array<{ method: string; path: string; text: string }> = [];

async function call(user: keyof typeof tokens | null, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (user !== null) headers['authorization'] = `Bearer ${tokens[user]}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  replies.push({ method, path, text });
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown), text };
}

function connectionBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'analytics',
    kind: 'postgres',
    description: 'Analytics warehouse (read replica)',
    target: PG_TARGET,
    credential: { kind: 'password', password: PG_PASSWORD },
    allowedGroups: ['analysts'],
    policyYaml: POLICY_V1,
    recordingRetentionDays: 30,
    ...overrides,
  };
}

function names(body: unknown): string[] {
  return (body as Array<{ name: string }>).map((connection) => connection.name);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-connections-'));
  const { config } = await loadServerConfig({
    env: {
      GATEHOUSE_DEV_IDP: 'true',
      GATEHOUSE_SECRETS_KEY: randomBytes(32).toString('hex'),
      GATEHOUSE_DATA_DIR: dir,
      GATEHOUSE_LISTEN: '127.0.0.1:0',
    },
  });
  server = await startServer(config, { log: pino({ level: 'silent' }) });
  const issuer = server.devIdp!.issuer;
  for (const user of Object.keys(tokens) as Array<keyof typeof tokens>) {
    tokens[user] = (await loginWithPassword(issuer, user, `${user}-password`)).accessToken;
  }
});

afterAll(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('connections, policies and leases', () => {
  it('tells an unauthenticated client where to sign in', async () => {
    const reply = await call(null, 'GET', '/v1/auth/config');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      issuer: server.devIdp!.issuer,
      clientId: 'gatehouse-app',
      audience: 'urn:gatehouse',
      scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
      devIdp: true,
    });
  });

  it('lets the admin create connections, never echoing the credential', async () => {
    const created = await call('dave', 'POST', '/v1/connections', connectionBody());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'analytics',
      kind: 'postgres',
      allowedGroups: ['analysts'],
      policyVersion: 1,
      recordingRetentionDays: 30,
      target: { ...PG_TARGET, requireAuth: ['scram-sha-256'] },
    });
    expect(created.body).not.toHaveProperty('credential');

    const finance = await call(
      'dave',
      'POST',
      '/v1/connections',
      connectionBody({ name: 'finance', description: 'Ledger', allowedGroups: ['finance'], policyYaml: POLICY_V1.replace('analytics', 'finance') }),
    );
    expect(finance.status).toBe(201);

    const bastion = await call('dave', 'POST', '/v1/connections', {
      name: 'bastion',
      kind: 'ssh',
      target: { host: 'bastion.internal', port: 22, user: 'ops', hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKey' },
      credential: { kind: 'private-key', privateKeyPem: SSH_KEY },
      allowedGroups: ['analysts'],
      policyYaml: 'version: 1\nconnection: bastion\ndefault: allow\n',
    });
    expect(bastion.status).toBe(201);
    expect(bastion.body).toMatchObject({ kind: 'ssh', description: '', recordingRetentionDays: 90 });
  });

  it('refuses an invalid policy with the line and field of each error', async () => {
    const invalid = POLICY_V1.replace('action: block', 'action: permit').replace('analytics', 'other-db');
    const reply = await call('dave', 'POST', '/v1/connections', connectionBody({ name: 'broken', policyYaml: invalid }));
    expect(reply.status).toBe(400);
    const body = reply.body as { error: string; message: string; errors: Array<{ line: number; path: string }> };
    expect(body.error).toBe('invalid_policy');
    expect(body.errors).toEqual([expect.objectContaining({ line: 7, path: 'rules.0.action' })]);
    expect(body.message).toContain('policy.yaml:7:');

    const elsewhere = await call('dave', 'POST', '/v1/connections', connectionBody({ name: 'broken', policyYaml: POLICY_V1.replace('analytics', 'other-db') }));
    expect(elsewhere.status).toBe(400);
    expect((elsewhere.body as { errors: unknown[] }).errors).toEqual([expect.objectContaining({ line: 2, column: 13, path: 'connection' })]);

    const yamlError = await call('dave', 'POST', '/v1/connections', connectionBody({ name: 'broken', policyYaml: 'version: 1\nconnection: [broken\n' }));
    expect(yamlError.status).toBe(400);
    expect((yamlError.body as { errors: Array<{ line: number }> }).errors.length).toBeGreaterThan(0);
    expect((await call('dave', 'GET', '/v1/connections/broken')).status).toBe(404);
  });

  it('refuses a target or credential that does not fit the kind, a taken name, and non-admins', async () => {
    const sshTarget = { host: 'h', port: 22, user: 'u', hostKey: 'ssh-ed25519 AAAA' };
    expect((await call('dave', 'POST', '/v1/connections', connectionBody({ name: 'mixed', target: sshTarget }))).status).toBe(400);
    const keyForPostgres = await call('dave', 'POST', '/v1/connections', connectionBody({ name: 'mixed', credential: { kind: 'private-key', privateKeyPem: SSH_KEY } }));
    expect(keyForPostgres.status).toBe(400);
    expect(keyForPostgres.body).toMatchObject({ message: 'a postgres connection needs a password credential' });
    expect((await call('dave', 'POST', '/v1/connections', connectionBody())).status).toBe(409);
    expect((await call('alice', 'POST', '/v1/connections', connectionBody({ name: 'sneaky' }))).status).toBe(403);
    expect((await call('carol', 'POST', '/v1/connections', connectionBody({ name: 'sneaky' }))).status).toBe(403);
    expect((await call(null, 'GET', '/v1/connections')).status).toBe(401);
  });

  it('shows each person only the connections they may open; admins and auditors see all', async () => {
    expect(names((await call('alice', 'GET', '/v1/connections')).body)).toEqual(['analytics', 'bastion']);
    expect(names((await call('bob', 'GET', '/v1/connections')).body)).toEqual([]);
    expect(names((await call('carol', 'GET', '/v1/connections')).body)).toEqual(['analytics', 'bastion', 'finance']);
    expect(names((await call('dave', 'GET', '/v1/connections')).body)).toEqual(['analytics', 'bastion', 'finance']);

    expect((await call('alice', 'GET', '/v1/connections/analytics')).status).toBe(200);
    expect((await call('alice', 'GET', '/v1/connections/finance')).status).toBe(404);
    expect((await call('carol', 'GET', '/v1/connections/finance')).status).toBe(200);
  });

  it('searches names and descriptions, case-insensitively, with wildcards taken literally', async () => {
    expect(names((await call('dave', 'GET', '/v1/connections?q=LEDG')).body)).toEqual(['finance']);
    expect(names((await call('dave', 'GET', '/v1/connections?q=ana')).body)).toEqual(['analytics']);
    expect(names((await call('alice', 'GET', '/v1/connections?q=ledger')).body)).toEqual([]);
    expect(names((await call('dave', 'GET', '/v1/connections?q=%25')).body)).toEqual([]);
  });

  it('leases the credential, policy and target to a member of an allowed group', async () => {
    const reply = await call('alice', 'POST', '/v1/leases', { connection: 'analytics', brokerSessionId: 'broker-session-1' });
    expect(reply.status).toBe(201);
    const lease = leaseSchema.parse(reply.body);
    expect(lease).toMatchObject({
      connection: 'analytics',
      kind: 'postgres',
      credential: { kind: 'password', password: PG_PASSWORD },
      policy: { version: 1, yaml: POLICY_V1 },
      target: PG_TARGET,
    });
    const ttl = Date.parse(lease.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(LEASE_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(LEASE_TTL_MS);

    const rows = await server.db.query<{ subject: string; connection: string; broker_session_id: string; expires_at: Date }>(
      'select subject, connection, broker_session_id, expires_at from leases where id = $1',
      [lease.id],
    );
    expect(rows).toEqual([{ subject: 'alice', connection: 'analytics', broker_session_id: 'broker-session-1', expires_at: new Date(lease.expiresAt) }]);

    const ssh = await call('alice', 'POST', '/v1/leases', { connection: 'bastion', brokerSessionId: 'broker-session-2' });
    expect(ssh.status).toBe(201);
    expect((ssh.body as { credential: unknown }).credential).toEqual({ kind: 'private-key', privateKeyPem: SSH_KEY });
  });

  it('refuses leases to auditors, to people outside the allowed groups, and for unknown connections', async () => {
    const auditor = await call('carol', 'POST', '/v1/leases', { connection: 'analytics', brokerSessionId: 's' });
    expect(auditor.status).toBe(403);
    expect(auditor.body).toMatchObject({ message: 'auditors cannot open connections' });
    expect((await call('carol', 'POST', '/v1/leases', { connection: 'no-such-thing', brokerSessionId: 's' })).status).toBe(403);
    expect((await call('alice', 'POST', '/v1/leases', { connection: 'finance', brokerSessionId: 's' })).status).toBe(403);
    // Admins manage connections; opening one still takes membership of an allowed group.
    expect((await call('dave', 'POST', '/v1/leases', { connection: 'analytics', brokerSessionId: 's' })).status).toBe(403);
    expect((await call('alice', 'POST', '/v1/leases', { connection: 'no-such-thing', brokerSessionId: 's' })).status).toBe(404);
    const refusedLeases = await server.db.query("select id from leases where subject in ('carol', 'dave')");
    expect(refusedLeases).toEqual([]);
  });

  it('stores credentials only sealed, bound to their connection', async () => {
    const rows = await server.db.query<{ name: string; credential_ciphertext: Buffer; credential_iv: Buffer; credential_tag: Buffer; whole: string }>(
      'select name, credential_ciphertext, credential_iv, credential_tag, c::text as whole from connections c order by name',
    );
    expect(rows.map((row) => row.name)).toEqual(['analytics', 'bastion', 'finance']);
    for (const row of rows) {
      expect(row.credential_iv).toHaveLength(12);
      expect(row.credential_tag).toHaveLength(16);
      for (const secret of SECRETS) {
        expect(row.credential_ciphertext.includes(Buffer.from(secret))).toBe(false);
        expect(row.whole).not.toContain(secret);
      }
    }
    // Same password, different connections: nothing in common at rest.
    expect(rows[0]!.credential_ciphertext.equals(rows[2]!.credential_ciphertext)).toBe(false);

    // A sealed credential copied onto another connection does not open there.
    await server.db.query(
      `update connections set (credential_ciphertext, credential_iv, credential_tag) =
         (select credential_ciphertext, credential_iv, credential_tag from connections where name = 'analytics')
       where name = 'bastion'`,
    );
    const moved = await call('alice', 'POST', '/v1/leases', { connection: 'bastion', brokerSessionId: 'broker-session-3' });
    expect(moved.status).toBe(500);
    expect(moved.text).not.toContain(PG_PASSWORD);
  });

  it('versions policy changes with author and reason, diffs them, and publishes policy.changed', async () => {
    const noReason = await call('dave', 'PATCH', '/v1/connections/analytics', { policyYaml: POLICY_V2 });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toMatchObject({ message: 'a policy change needs a reason' });
    expect((await call('dave', 'PATCH', '/v1/connections/analytics', { policyYaml: POLICY_V2.replace('default: block', 'default: maybe'), reason: 'x' })).status).toBe(400);
    expect((await call('alice', 'PATCH', '/v1/connections/analytics', { policyYaml: POLICY_V2, reason: 'x' })).status).toBe(403);

    const updated = await call('dave', 'PATCH', '/v1/connections/analytics', { policyYaml: POLICY_V2, reason: 'deny by default (TICKET-42)' });
    expect(updated.status).toBe(200);
    // Fields the patch does not name keep their values.
    expect(updated.body).toMatchObject({ policyVersion: 2, recordingRetentionDays: 30, description: 'Analytics warehouse (read replica)' });

    const versions = await call('carol', 'GET', '/v1/connections/analytics/policies');
    expect(versions.status).toBe(200);
    expect(versions.body).toEqual([
      expect.objectContaining({ version: 1, author: 'dave', reason: 'created', yaml: POLICY_V1 }),
      expect.objectContaining({ version: 2, author: 'dave', reason: 'deny by default (TICKET-42)', yaml: POLICY_V2 }),
    ]);
    expect((await call('dave', 'GET', '/v1/connections/analytics/policies/2')).body).toMatchObject({ version: 2, yaml: POLICY_V2 });
    expect((await call('dave', 'GET', '/v1/connections/analytics/policies/3')).status).toBe(404);
    expect((await call('alice', 'GET', '/v1/connections/analytics/policies')).status).toBe(403);

    const diff = await call('carol', 'GET', '/v1/connections/analytics/policies/diff?from=1&to=2');
    expect(diff.status).toBe(200);
    expect(diff.body).toEqual({
      connection: 'analytics',
      from: 1,
      to: 2,
      diff: [
        '--- analytics v1',
        '+++ analytics v2',
        '@@ -1,10 +1,13 @@',
        ' version: 1',
        ' connection: analytics',
        '-default: allow',
        '+default: block',
        ' rules:',
        '   - name: no-ddl',
        '     when: { class: [ddl, dangerous] }',
        '     action: block',
        '+  - name: reads',
        '+    when: { class: [read] }',
        '+    action: allow',
        ' masking:',
        '   columns:',
        '     "public.people.email": redact',
        '',
      ].join('\n'),
    });
    expect((await call('dave', 'GET', '/v1/connections/analytics/policies/diff?from=1&to=9')).status).toBe(404);

    const events = await server.db.query<{ type: string; payload: unknown; audience: unknown }>('select type, payload, audience from server_events order by id');
    expect(events).toEqual([
      { type: 'policy.changed', payload: { type: 'policy.changed', connection: 'analytics', version: 2 }, audience: { subjects: [], groups: ['analysts'], roles: ['admin', 'auditor'] } },
    ]);

    const lease = await call('alice', 'POST', '/v1/leases', { connection: 'analytics', brokerSessionId: 'broker-session-4' });
    expect(lease.body).toMatchObject({ policy: { version: 2, yaml: POLICY_V2 } });

    // The same text again is no new version.
    const same = await call('dave', 'PATCH', '/v1/connections/analytics', { policyYaml: POLICY_V2, reason: 'again' });
    expect(same.body).toMatchObject({ policyVersion: 2 });
  });

  it('updates target, groups and credential without a new policy version', async () => {
    const reply = await call('dave', 'PATCH', '/v1/connections/analytics', {
      description: 'Analytics warehouse',
      target: { ...PG_TARGET, host: 'db2.internal' },
      allowedGroups: ['analysts', 'data-science'],
      credential: { kind: 'password', password: NEW_PG_PASSWORD },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ policyVersion: 2, description: 'Analytics warehouse', allowedGroups: ['analysts', 'data-science'], target: { host: 'db2.internal' } });
    const lease = await call('alice', 'POST', '/v1/leases', { connection: 'analytics', brokerSessionId: 'broker-session-5' });
    expect(lease.body).toMatchObject({ credential: { kind: 'password', password: NEW_PG_PASSWORD }, target: { host: 'db2.internal' } });
    expect((await call('dave', 'PATCH', '/v1/connections/analytics', { reason: 'nothing' })).status).toBe(400);
    expect((await call('dave', 'PATCH', '/v1/connections/analytics', { target: { host: 'h', port: 22, user: 'u', hostKey: 'k' } })).status).toBe(400);
  });

  it('soft-deletes: the connection disappears, its history stays for auditors', async () => {
    expect((await call('alice', 'DELETE', '/v1/connections/finance')).status).toBe(403);
    expect((await call('dave', 'DELETE', '/v1/connections/finance')).status).toBe(204);
    expect((await call('dave', 'DELETE', '/v1/connections/finance')).status).toBe(404);
    expect((await call('dave', 'GET', '/v1/connections/finance')).status).toBe(404);
    // Deleting a connection revokes the leases still running on it.
    expect((await call('dave', 'DELETE', '/v1/connections/bastion')).status).toBe(204);
    const leases = await server.db.query<{ revoked: boolean }>("select revoked_at is not null as revoked from leases where connection = 'bastion'");
    expect(leases).toEqual([{ revoked: true }]);
    expect(names((await call('carol', 'GET', '/v1/connections')).body)).toEqual(['analytics']);
    expect((await call('alice', 'POST', '/v1/leases', { connection: 'bastion', brokerSessionId: 'late' })).status).toBe(404);
    expect((await call('carol', 'GET', '/v1/connections/finance/policies')).body).toEqual([expect.objectContaining({ version: 1 })]);
    const [row] = await server.db.query<{ deleted: boolean }>("select deleted_at is not null as deleted from connections where name = 'finance'");
    expect(row).toEqual({ deleted: true });
    expect((await call('dave', 'POST', '/v1/connections', connectionBody({ name: 'finance', policyYaml: POLICY_V1.replace('analytics', 'finance') }))).status).toBe(409);
  });

  it('returns the credential in lease replies only', () => {
    for (const reply of replies) {
      const isLease = reply.method === 'POST' && reply.path === '/v1/leases';
      for (const secret of SECRETS) {
        if (!isLease) expect(reply.text, `${reply.method} ${reply.path}`).not.toContain(secret);
      }
    }
    expect(replies.some((reply) => reply.path === '/v1/leases' && reply.text.includes(PG_PASSWORD))).toBe(true);
  });

  it('audits every action, every first use of a token, and no secret, in a chain that verifies', async () => {
    const rows = await server.db.query<{ kind: string; actor: string; actor_machine: boolean; text: string; event: unknown }>(
      'select kind, actor, actor_machine, text, event from audit_log order by seq',
    );
    const pairs = rows.map((row) => `${row.kind} ${row.actor}`);
    const count = (pair: string): number => pairs.filter((p) => p === pair).length;
    // One login per token, however many requests it made.
    for (const user of ['dave', 'alice', 'carol', 'bob']) expect(count(`login ${user}`), user).toBe(1);
    expect(count('connection.created dave')).toBe(3);
    expect(count('policy.changed dave')).toBe(1);
    expect(count('connection.updated dave')).toBe(2);
    expect(count('connection.deleted dave')).toBe(2);
    expect(count('lease.issued alice')).toBe(4);
    expect(count('lease.refused carol')).toBe(2);
    expect(count('lease.refused alice')).toBe(1);
    expect(count('lease.refused dave')).toBe(1);
    expect(rows.every((row) => row.actor_machine === false)).toBe(true);

    const policyChange = rows.find((row) => row.kind === 'policy.changed')!;
    expect(policyChange.event).toMatchObject({ connection: 'analytics', fromVersion: 1, toVersion: 2, reason: 'deny by default (TICKET-42)' });
    const credentialChange = rows.filter((row) => row.kind === 'connection.updated')[1]!;
    expect(credentialChange.event).toMatchObject({
      changed: ['description', 'target', 'credential', 'allowedGroups'],
      before: { allowedGroups: ['analysts'] },
      after: { allowedGroups: ['analysts', 'data-science'] },
    });

    expect(rows.find((row) => row.kind === 'connection.deleted' && (row.event as { connection: string }).connection === 'bastion')!.event).toMatchObject({ revokedLeases: 1 });

    const logged = JSON.stringify(rows);
    for (const secret of SECRETS) expect(logged).not.toContain(secret);
    for (const token of Object.values(tokens)) expect(logged).not.toContain(token);

    expect(await verifyAuditChain(server.db)).toMatchObject({ ok: true, checked: rows.length });
  });
});
