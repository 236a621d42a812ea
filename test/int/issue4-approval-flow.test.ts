import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import type { AuditRecord } from '../../shared/api/audit.ts';
import { ConnectRefused, startConnect } from '../support/gatehouse-connect.ts';
import type { RunningConnect } from '../support/gatehouse-connect.ts';
import { runGatehouse } from '../support/gatehouse-proxy.ts';
import { signInUser } from '../support/gatehouse-users.ts';
import type { GatehouseUser } from '../support/gatehouse-users.ts';
import { startPostgresCluster } from '../support/postgres-cluster.ts';
import type { PostgresCluster } from '../support/postgres-cluster.ts';
import { runPsql } from '../support/psql.ts';
import { startServerProcess } from '../support/server-process.ts';
import type { RunningServerProcess } from '../support/server-process.ts';
import { startPsql } from '../support/streaming-psql.ts';
import { eventually } from '../support/eventually.ts';

/*
 * Issue 4, end to end with nothing stubbed: a real PostgreSQL cluster, `gatehouse server
 * --dev-idp` as its own process, and the `gatehouse` CLI as alice (connect), bob (approvals),
 * carol (audit) and dave (connections), each with their own GATEHOUSE_HOME holding a real
 * sign-in. alice's psql and node-postgres go through the listener `gatehouse connect` prints.
 */

const SECRETS_KEY = randomBytes(32).toString('hex');
const REQUEST_ID = /request ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;
const QUICK_EXPIRY_S = 4;
const GRACE_S = 3;

function policyYaml(connection: string, opts: { approvalWait: boolean }): string {
  return `version: 1
connection: ${connection}
default: block
audit: durable
approval_wait: ${opts.approvalWait}
rules:
  - name: no-ddl
    when: { class: [ddl, dangerous] }
    action: block
  - name: reads
    when: { class: [read, control] }
    action: allow
  - name: quick-notes
    when: { class: [write], relations: [public.ledger_notes] }
    action: approve
    approvers: [db-approvers]
    expires_after: ${QUICK_EXPIRY_S}s
  - name: writes
    when: { class: [write] }
    action: approve
    approvers: [db-approvers]
    expires_after: 20s
`;
}

interface Reply<T> {
  status: number;
  body: T;
}

let cluster: PostgresCluster;
let serverDir: string;
let server: RunningServerProcess;
let serverPort: number;
const users = {} as Record<'alice' | 'bob' | 'carol' | 'dave', GatehouseUser>;
const scratchDirs: string[] = [];
let aliceConnect: RunningConnect | undefined;
let nowaitConnect: RunningConnect | undefined;
let aliceSpool: string;
/** alice's node-postgres session that stays open across the server's outage. */
let midSession: pg.Client | undefined;

async function api<T = unknown>(user: GatehouseUser, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply<T>> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${user.tokens.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

/** Every record of the server's audit log, oldest first, as carol (an auditor) reads it. */
async function auditLog(): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let after: number | null = null;
  for (;;) {
    const reply: Reply<{ records: AuditRecord[]; nextAfter: number | null }> = await api(users.carol, 'GET', `/v1/audit/search?limit=1000${after === null ? '' : `&after=${after}`}`);
    expect(reply.status).toBe(200);
    records.push(...reply.body.records);
    if (reply.body.nextAfter === null) return records;
    after = reply.body.nextAfter;
  }
}

interface SpooledStatement {
  text: string;
  decision: string;
  sqlstate: string | null;
}

/** The statement events in alice's local spool (what has not been shipped and pruned yet). */
async function spooledStatements(): Promise<SpooledStatement[]> {
  const found: SpooledStatement[] = [];
  for (const name of (await readdir(aliceSpool)).filter((n) => /^spool-\d+\.jsonl$/.test(n)).sort()) {
    for (const line of (await readFile(join(aliceSpool, name), 'utf8')).split('\n')) {
      if (line === '') continue;
      const event = JSON.parse(line) as { kind: string; decision: string; statement?: { text: string }; error?: { sqlstate: string } };
      if (event.kind === 'statement') found.push({ text: event.statement?.text ?? '', decision: event.decision, sqlstate: event.error?.sqlstate ?? null });
    }
  }
  return found;
}

async function clusterValue(sql: string): Promise<string> {
  const result = await cluster.psql(sql);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

async function gatehouse(user: GatehouseUser, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runGatehouse(args, { env: user.env });
}

function approvalStatement(connection: string, statement: string): Record<string, unknown> {
  return {
    connection,
    scope: { kind: 'statement', statement, fingerprint: `fp-${statement.length}`, class: 'write' },
    rule: 'writes',
    policyVersion: 1,
    brokerSessionId: 'api-session-1',
  };
}

beforeAll(async () => {
  serverDir = await mkdtemp(join(tmpdir(), 'gatehouse-issue4-server-'));
  [cluster, server] = await Promise.all([
    startPostgresCluster(),
    startServerProcess(['--dev-idp', '--listen', '127.0.0.1:0', '--data-dir', serverDir], { GATEHOUSE_SECRETS_KEY: SECRETS_KEY }),
  ]);
  serverPort = Number(new URL(server.url).port);
  const setup = await cluster.psql(`
    create table accounts(id int primary key, owner text, balance int);
    insert into accounts values (1, 'alice', 100), (2, 'bob', 200), (3, 'erin', 300), (4, 'carol', 400), (5, 'dave', 500);
    create table ledger_notes(id int primary key, note text);
  `);
  expect(setup.code, setup.stderr).toBe(0);
  for (const name of ['alice', 'bob', 'carol', 'dave'] as const) users[name] = await signInUser(server.url, name);

  const target = { host: '127.0.0.1', port: cluster.port, database: cluster.database, user: cluster.users.scram.user, sslmode: 'require', caPem: null };
  for (const [name, approvalWait] of [
    ['analytics', true],
    ['analytics-nowait', false],
  ] as const) {
    const created = await api(users.dave, 'POST', '/v1/connections', {
      name,
      kind: 'postgres',
      description: 'issue 4 test database',
      target,
      credential: { kind: 'password', password: cluster.users.scram.password },
      allowedGroups: ['analysts'],
      policyYaml: policyYaml(name, { approvalWait }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  aliceSpool = await scratchDir('gatehouse-issue4-spool-');
}, 120_000);

afterAll(async () => {
  await midSession?.end().catch(() => undefined);
  await aliceConnect?.stop();
  await nowaitConnect?.stop();
  await server?.stop();
  await cluster?.stop();
  for (const user of Object.values(users)) await user.remove();
  for (const dir of [serverDir, ...scratchDirs]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('issue 4: approvals through the policy server, end to end', () => {
  let firstId: string;

  it('alice connects; a read runs, a write waits for bob, runs once he approves, and changes the row', async () => {
    aliceConnect = await startConnect('analytics', ['--grace', String(GRACE_S), '--audit-spool', aliceSpool], users.alice.env);
    expect(aliceConnect.ready).toMatchObject({ connection: 'analytics', policyVersion: 1 });
    expect(aliceConnect.url).toMatch(/^postgres:\/\/gh_scram:[^@]+@127\.0\.0\.1:\d+\/gatehouse_test$/);

    const read = await runPsql(aliceConnect.url, ['-At', '-c', 'select balance from accounts where id = 1']);
    expect(read.stderr).toBe('');
    expect(read.stdout.trim()).toBe('100');
    // sslmode require: the leased upstream session runs over TLS.
    const tls = await runPsql(aliceConnect.url, ['-At', '-c', 'select ssl from pg_stat_ssl where pid = pg_backend_pid()']);
    expect(tls.stderr).toBe('');
    expect(tls.stdout.trim()).toBe('t');
    const ddl = await runPsql(aliceConnect.url, ['-v', 'VERBOSITY=verbose', '-c', 'drop table accounts']);
    expect(ddl.code).not.toBe(0);
    expect(ddl.stderr).toMatch(/ERROR: +42501: gatehouse: .*no-ddl/);

    const held = startPsql(aliceConnect.url, 'UPDATE accounts set balance = balance + 1 where id = 1');
    const notice = await held.waitForStderr(REQUEST_ID);
    firstId = notice[1]!;
    expect(held.stderr()).toMatch(/NOTICE: +gatehouse: statement held for approval by db-approvers/);
    expect(held.child.exitCode).toBeNull();

    const listed = await gatehouse(users.bob, ['approvals', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const inbox = JSON.parse(listed.stdout) as ApprovalRequest[];
    const mine = inbox.find((r) => r.id === firstId);
    expect(mine).toMatchObject({ state: 'pending', requester: 'alice', connection: 'analytics', rule: 'writes' });
    expect(mine?.scope).toMatchObject({ kind: 'statement', statement: 'UPDATE accounts set balance = balance + 1 where id = 1', class: 'write' });
    // Still waiting: nothing has run upstream yet.
    expect(held.child.exitCode).toBeNull();
    expect(await clusterValue('select balance from accounts where id = 1')).toBe('100');

    const approved = await gatehouse(users.bob, ['approvals', 'approve', firstId, '--comment', 'ok']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Approved ${firstId}`);
    const decidedAt = Date.now();

    const done = await held.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toBe('UPDATE 1');
    // Decisions reach the waiting broker through server-sent events, not the 5 s poll.
    expect(Date.now() - decidedAt).toBeLessThan(4_000);
    expect(await clusterValue('select balance from accounts where id = 1')).toBe('101');
  });

  it('the audit trail shows every step in order, and the chain verifies', async () => {
    const records = await eventually(
      "alice's approved statement and its result in the server's log",
      async () => {
        const all = await auditLog();
        const statement = all.find((r) => r.kind === 'statement' && r.event['approvalRequestId'] === firstId);
        if (statement === undefined) return undefined;
        return all.some((r) => r.kind === 'statement_result' && r.event['statementId'] === statement.id) ? all : undefined;
      },
      20_000,
      200,
    );
    const indexOf = (what: string, match: (r: AuditRecord) => boolean): number => {
      const i = records.findIndex(match);
      expect(i, `${what} in ${JSON.stringify(records.map((r) => [r.seq, r.kind, r.actor, r.text]))}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const about = (r: AuditRecord): boolean => r.event['requestId'] === firstId;
    const login = indexOf("alice's login", (r) => r.kind === 'login' && r.actor === 'alice');
    const lease = indexOf("alice's lease", (r) => r.kind === 'lease.issued' && r.actor === 'alice' && r.connection === 'analytics');
    const requested = indexOf('approval.requested', (r) => r.kind === 'approval.requested' && about(r));
    const decided = indexOf("bob's decision", (r) => r.kind === 'approval.decided' && about(r) && r.actor === 'bob');
    const redeemed = indexOf('approval.redeemed', (r) => r.kind === 'approval.redeemed' && about(r));
    const statement = indexOf("alice's statement", (r) => r.kind === 'statement' && r.event['approvalRequestId'] === firstId);
    const statementRecord = records[statement]!;
    const result = indexOf('its result', (r) => r.kind === 'statement_result' && r.event['statementId'] === statementRecord.id);
    expect([login, lease, requested, decided, redeemed, statement, result]).toEqual([...[login, lease, requested, decided, redeemed, statement, result]].sort((a, b) => a - b));
    expect(new Set([login, lease, requested, decided, redeemed, statement, result]).size).toBe(7);

    expect(records[decided]).toMatchObject({ decision: 'approve', connection: 'analytics' });
    expect(statementRecord).toMatchObject({ actor: 'alice', source: 'broker', decision: 'approve', statementClass: 'write', text: 'UPDATE accounts set balance = balance + 1 where id = 1' });
    expect(records[result]).toMatchObject({ actor: 'alice', decision: 'allow' });
    // The UPDATE changed one row: the audit counts it from the command tag.
    expect(records[result]!.event['rows']).toBe(1);

    const verify = await gatehouse(users.carol, ['audit', 'verify']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/Audit chain intact: \d+ records checked/);
    const searched = await gatehouse(users.carol, ['audit', 'search', '--json', '--connection', 'analytics', '--kind', 'approval.redeemed']);
    expect(searched.code, searched.stderr).toBe(0);
    expect((JSON.parse(searched.stdout) as { records: AuditRecord[] }).records.map((r) => r.event['requestId'])).toContain(firstId);
  });

  it('nobody approves their own request; an auditor can neither approve nor connect', async () => {
    const created = await api<ApprovalRequest>(users.alice, 'POST', '/v1/approvals', approvalStatement('analytics', 'update accounts set balance = 0 where id = 5'));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;

    const ownCli = await gatehouse(users.alice, ['approvals', 'approve', id, '--comment', 'lgtm']);
    expect(ownCli.code).not.toBe(0);
    expect(ownCli.stderr).toMatch(/you made this request/);
    const ownApi = await api<{ message: string }>(users.alice, 'POST', `/v1/approvals/${id}/decision`, { decision: 'approve', comment: '' });
    expect(ownApi.status).toBe(403);

    const carolApi = await api(users.carol, 'POST', `/v1/approvals/${id}/decision`, { decision: 'approve', comment: '' });
    expect(carolApi.status).toBe(403);
    const carolCli = await gatehouse(users.carol, ['approvals', 'approve', id]);
    expect(carolCli.code).not.toBe(0);
    expect(carolCli.stderr).toMatch(/auditors cannot decide requests/);
    expect((await api<ApprovalRequest>(users.bob, 'GET', `/v1/approvals/${id}`)).body.state).toBe('pending');

    const carolConnect = await startConnect('analytics', [], users.carol.env).then(
      (running) => running,
      (e: unknown) => e,
    );
    expect(carolConnect).toBeInstanceOf(ConnectRefused);
    const refused = carolConnect as ConnectRefused;
    expect(refused.code).not.toBe(0);
    expect(refused.stderrText).toMatch(/auditors cannot open connections/);
    expect(refused.stderrText).not.toMatch(/\n\s+at /);
  });

  it('an approval runs exactly the approved statement, once', async () => {
    const statement = 'update accounts set owner = owner where id = 4';
    const input = approvalStatement('analytics', statement);
    const created = await api<ApprovalRequest>(users.alice, 'POST', '/v1/approvals', input);
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await api(users.bob, 'POST', `/v1/approvals/${id}/decision`, { decision: 'approve', comment: 'once' })).status).toBe(200);
    const redeem = (body: Record<string, unknown>): Promise<Reply<unknown>> => api(users.alice, 'POST', `/v1/approvals/${id}/redeem`, body);
    const exact = { statement, fingerprint: 'fp-' + String(statement.length), brokerSessionId: 'api-session-1' };

    const altered = await redeem({ ...exact, statement: 'update accounts set owner = owner where id = 4 or true' });
    expect(altered.status).toBe(403);
    const otherFingerprint = await redeem({ ...exact, fingerprint: 'fp-other' });
    expect(otherFingerprint.status).toBe(403);
    const byBob = await api(users.bob, 'POST', `/v1/approvals/${id}/redeem`, exact);
    expect(byBob.status).toBe(403);

    const first = await redeem(exact);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ ok: true, request: { id, state: 'executed' } });
    const again = await redeem(exact);
    expect(again.status).toBe(409);
    const log = await auditLog();
    expect(log.filter((r) => r.kind === 'approval.redeem_refused' && r.event['requestId'] === id).length).toBeGreaterThanOrEqual(3);
    expect(log.filter((r) => r.kind === 'approval.redeemed' && r.event['requestId'] === id)).toHaveLength(1);
  });

  it('a request nobody decides expires, and psql gets 42501 saying so', async () => {
    const started = Date.now();
    const held = startPsql(aliceConnect!.url, "insert into ledger_notes values (1, 'nobody looks')", { args: ['-v', 'VERBOSITY=verbose'] });
    const id = (await held.waitForStderr(REQUEST_ID))[1]!;
    const done = await held.done;
    const waited = Date.now() - started;
    expect(done.code).not.toBe(0);
    expect(done.stderr).toMatch(new RegExp(`ERROR: +42501: gatehouse: request ${id} expired`));
    expect(waited).toBeGreaterThanOrEqual(QUICK_EXPIRY_S * 1000 - 500);
    expect(waited).toBeLessThan(QUICK_EXPIRY_S * 1000 + 5_000);
    expect((await api<ApprovalRequest>(users.bob, 'GET', `/v1/approvals/${id}`)).body.state).toBe('expired');
    expect(await clusterValue('select count(*) from ledger_notes')).toBe('0');
  });

  it("a denial reaches psql with the approver's comment, and nothing runs", async () => {
    const held = startPsql(aliceConnect!.url, 'UPDATE accounts set balance = balance - 50 where id = 2', { args: ['-v', 'VERBOSITY=verbose'] });
    const id = (await held.waitForStderr(REQUEST_ID))[1]!;
    const denied = await gatehouse(users.bob, ['approvals', 'deny', id, '--comment', 'not during the quarter close']);
    expect(denied.code, denied.stderr).toBe(0);
    const done = await held.done;
    expect(done.code).not.toBe(0);
    expect(done.stderr).toMatch(/ERROR: +42501: gatehouse: request [0-9a-f-]+ was denied by bob: not during the quarter close/);
    expect(await clusterValue('select balance from accounts where id = 2')).toBe('200');
  });

  it('Ctrl-C in psql withdraws the waiting request', async () => {
    const held = startPsql(aliceConnect!.url, 'UPDATE accounts set balance = balance + 7 where id = 3');
    const id = (await held.waitForStderr(REQUEST_ID))[1]!;
    const interruptedAt = Date.now();
    held.child.kill('SIGINT');
    const done = await held.done;
    expect(Date.now() - interruptedAt).toBeLessThan(3_000);
    expect(done.code).not.toBe(0);
    expect(done.stderr).toMatch(/canceling statement due to user request; approval request [0-9a-f-]+ withdrawn/);
    const state = await eventually(
      'the request to be cancelled',
      async () => {
        const r = await api<ApprovalRequest>(users.bob, 'GET', `/v1/approvals/${id}`);
        return r.body.state === 'cancelled' ? r.body.state : undefined;
      },
      5_000,
      200,
    );
    expect(state).toBe('cancelled');
    expect(await clusterValue('select balance from accounts where id = 3')).toBe('300');
  });

  it('node-postgres, extended protocol, no statement timeout: an UPDATE awaits approval and resolves once bob approves', async () => {
    const client = new pg.Client({ connectionString: aliceConnect!.url });
    await client.connect();
    try {
      const notices: string[] = [];
      const announced = new Promise<string>((resolve) => {
        client.on('notice', (notice) => {
          notices.push(notice.message ?? '');
          const id = REQUEST_ID.exec(notice.message ?? '')?.[1];
          if (id !== undefined) resolve(id);
        });
      });
      let settled = false;
      const update = client.query('update accounts set balance = balance + $1 where id = $2', [10, 3]).finally(() => (settled = true));
      const id = await announced;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(settled).toBe(false);
      const request = await api<ApprovalRequest>(users.bob, 'GET', `/v1/approvals/${id}`);
      expect(request.body).toMatchObject({ state: 'pending', scope: { statement: 'update accounts set balance = balance + $1 where id = $2' } });
      expect((await api(users.bob, 'POST', `/v1/approvals/${id}/decision`, { decision: 'approve', comment: 'driver ok' })).status).toBe(200);
      const result = await update;
      expect(result.rowCount).toBe(1);
      expect(notices).toHaveLength(1);
      expect(await clusterValue('select balance from accounts where id = 3')).toBe('310');
      // The session is still usable afterwards.
      expect((await client.query('select balance from accounts where id = $1', [3])).rows).toEqual([{ balance: 310 }]);
    } finally {
      await client.end();
    }
  });

  it('approval_wait: false refuses at once with the request id; after approval the same statement runs on a re-run', async () => {
    nowaitConnect = await startConnect('analytics-nowait', ['--audit-spool', await scratchDir('gatehouse-issue4-nowait-spool-')], users.alice.env);
    const sql = 'UPDATE accounts set balance = balance + 1000 where id = 5';
    const started = Date.now();
    const first = await runPsql(nowaitConnect.url, ['-v', 'VERBOSITY=verbose', '-c', sql]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(first.code).not.toBe(0);
    expect(first.stderr).toMatch(/ERROR: +42501: gatehouse: approval requested \(request [0-9a-f-]{36}, approvers db-approvers\); run the statement again once it is approved/);
    const id = REQUEST_ID.exec(first.stderr)![1]!;
    expect(await clusterValue('select balance from accounts where id = 5')).toBe('500');

    const approved = await gatehouse(users.bob, ['approvals', 'approve', id, '--comment', 'go ahead']);
    expect(approved.code, approved.stderr).toBe(0);

    // A new psql, so a new client session: the approval belongs to alice's broker, not to one client connection.
    const rerun = await runPsql(nowaitConnect.url, ['-v', 'VERBOSITY=verbose', '-c', sql]);
    expect(rerun.stderr).toBe('');
    expect(rerun.stdout.trim()).toBe('UPDATE 1');
    expect(await clusterValue('select balance from accounts where id = 5')).toBe('1500');
    expect((await api<ApprovalRequest>(users.bob, 'GET', `/v1/approvals/${id}`)).body.state).toBe('executed');

    // Single use: a third run asks again.
    const third = await runPsql(nowaitConnect.url, ['-v', 'VERBOSITY=verbose', '-c', sql]);
    expect(third.code).not.toBe(0);
    const secondId = REQUEST_ID.exec(third.stderr)?.[1];
    expect(secondId).toBeDefined();
    expect(secondId).not.toBe(id);
    expect(await clusterValue('select balance from accounts where id = 5')).toBe('1500');
  });

  it('fail closed: with the server gone a running connect works for its grace period, then refuses with 08006; a new connect refuses to start', async () => {
    const url = aliceConnect!.url;
    midSession = new pg.Client({ connectionString: url });
    await midSession.connect();
    expect((await midSession.query("select 'before-outage' as marker")).rows).toEqual([{ marker: 'before-outage' }]);
    const before = await spooledStatements();
    await server.stop('SIGKILL');
    const killedAt = Date.now();

    // The session open across the kill, and a new psql session, both still work inside the grace period.
    const duringSession = await midSession.query("select 'during-grace-session' as marker, balance from accounts where id = 1");
    const during = await runPsql(url, ['-At', '-c', "select 'during-grace-psql' as marker, balance from accounts where id = 1"]);
    // Only meaningful if they really ran inside the grace period.
    expect(Date.now() - killedAt).toBeLessThan(GRACE_S * 1000);
    expect(duringSession.rows).toEqual([{ marker: 'during-grace-session', balance: 101 }]);
    expect(during.stderr).toBe('');
    expect(during.stdout.trim()).toBe('during-grace-psql|101');

    const refusedStart = await startConnect('analytics', ['--audit-spool', await scratchDir('gatehouse-issue4-refused-spool-')], users.alice.env).then(
      (running) => running,
      (e: unknown) => e,
    );
    expect(refusedStart).toBeInstanceOf(ConnectRefused);
    expect((refusedStart as ConnectRefused).code).not.toBe(0);
    expect((refusedStart as ConnectRefused).stderrText).toMatch(new RegExp(`gatehouse: the Gatehouse server at ${server.url.replace(/[.]/g, '\\.')} cannot be reached`));

    const wait = killedAt + GRACE_S * 1000 + 500 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const refusal = /^gatehouse: the policy server has been unreachable for \d+ s \(grace period 3 s\); statements are refused until it is back$/;
    const afterSession = await midSession.query("select 'after-grace-session' as marker").then(
      () => null,
      (e: unknown) => e as pg.DatabaseError,
    );
    expect(afterSession?.code).toBe('08006');
    expect(afterSession?.message).toMatch(refusal);
    const after = await runPsql(url, ['-v', 'VERBOSITY=verbose', '-At', '-c', "select 'after-grace-psql' as marker"]);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/ERROR: +08006: gatehouse: the policy server has been unreachable for \d+ s \(grace period 3 s\); statements are refused until it is back/);
    const write = await runPsql(url, ['-v', 'VERBOSITY=verbose', '-c', 'UPDATE accounts set balance = 0 where id = 1']);
    expect(write.stderr).toMatch(/ERROR: +08006: gatehouse: the policy server has been unreachable/);
    expect(await clusterValue('select balance from accounts where id = 1')).toBe('101');

    const spooled = await spooledStatements();
    expect(spooled.length).toBeGreaterThanOrEqual(before.length + 5);
    expect(spooled.find((e) => e.text.includes('during-grace-session'))).toMatchObject({ decision: 'allow', sqlstate: null });
    expect(spooled.find((e) => e.text.includes('during-grace-psql'))).toMatchObject({ decision: 'allow', sqlstate: null });
    expect(spooled.find((e) => e.text.includes('after-grace-session'))).toMatchObject({ sqlstate: '08006' });
    expect(spooled.find((e) => e.text.includes('after-grace-psql'))).toMatchObject({ sqlstate: '08006' });
    expect(spooled.find((e) => e.text.includes('balance = 0'))).toMatchObject({ sqlstate: '08006' });
  });

  it('once the server is back on the same port, statements run again and the spool ships what was written meanwhile', async () => {
    const oldUrl = server.url;
    server = await startServerProcess(['--dev-idp', '--listen', `127.0.0.1:${serverPort}`, '--data-dir', serverDir], { GATEHOUSE_SECRETS_KEY: SECRETS_KEY });
    expect(server.url).toBe(oldUrl);
    // The restarted dev IdP listens on a new port, so its issuer differs and tokens issued before
    // the restart are refused: alice and carol sign in again, as they would after any IdP change.
    // The running `gatehouse connect` re-reads alice's token store when the server refuses its token.
    await users.alice.relogin();
    await users.carol.relogin();
    const back = await eventually(
      'statements to run again through the running connect',
      async () => {
        if (aliceConnect!.child.exitCode !== null) throw new Error(`gatehouse connect exited: ${aliceConnect!.stderr()}`);
        return midSession!.query("select 'server-back' as marker").then(
          (r) => r,
          () => undefined,
        );
      },
      45_000,
      500,
    );
    // The same client session that was refused during the outage runs statements again.
    expect(back.rows).toEqual([{ marker: 'server-back' }]);
    const fresh = await runPsql(aliceConnect!.url, ['-At', '-c', "select 'server-back-psql' as marker"]);
    expect(fresh.stderr).toBe('');
    expect(fresh.stdout.trim()).toBe('server-back-psql');

    const shipped = await eventually(
      "the outage's statements in the server's log",
      async () => {
        const log = await auditLog();
        const mine = log.filter((r) => r.kind === 'statement' && r.actor === 'alice' && r.source === 'broker');
        const texts = mine.map((r) => r.text ?? '');
        return ['during-grace-session', 'during-grace-psql', 'after-grace-session', 'after-grace-psql', 'server-back'].every((m) => texts.some((t) => t.includes(m))) ? mine : undefined;
      },
      45_000,
      500,
    );
    const afterGrace = shipped.find((r) => r.text?.includes('after-grace-psql'));
    expect(afterGrace?.event['error']).toMatchObject({ sqlstate: '08006' });
    const verify = await gatehouse(users.carol, ['audit', 'verify']);
    expect(verify.code, verify.stderr).toBe(0);
  });
});
