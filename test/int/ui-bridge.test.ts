import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import type { QueryEvent } from '../../shared/bridge/query-bridge.ts';
import { BridgeCallFailed, BridgeWsClient } from '../support/bridge-ws-client.ts';
import { followAuthorization } from '../support/dev-idp.ts';
import { startGatehouseUi, type RunningGatehouseUi } from '../support/gatehouse-ui.ts';
import { signInUser, type GatehouseUser } from '../support/gatehouse-users.ts';
import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.ts';
import { startServerProcess, type RunningServerProcess } from '../support/server-process.ts';

/*
 * The broker's side of the app, end to end through `gatehouse ui`: a real PostgreSQL, the real
 * server with its dev IdP, and two `gatehouse ui` processes (alice, bob) with homes of their own,
 * driven over the WebSocket bridge exactly as the renderer drives it.
 */

const SECRETS_KEY = randomBytes(32).toString('hex');
const RAW_EMAILS = ['ada.lovelace@example.com', 'grace.hopper@example.com', 'alan.turing@example.com'];

const POLICY = `version: 1
connection: crm
default: block
audit: durable
rules:
  - name: no-ddl
    when: { class: [ddl, dangerous] }
    action: block
  - name: no-customer-export
    when: { export: true, relations: [public.customers] }
    action: block
    message: customer data may not be exported
  - name: reads
    when: { class: [read, control] }
    action: allow
  - name: justified-notes
    when: { class: [write], relations: [public.notes] }
    action: approve
    approvers: [db-approvers]
    require_justification: true
  - name: writes
    when: { class: [write] }
    action: approve
    approvers: [db-approvers]
masking:
  columns:
    public.customers.email: partial
`;

let cluster: PostgresCluster;
let server: RunningServerProcess;
let serverDir: string;
let dave: GatehouseUser;
let aliceUi: RunningGatehouseUi;
let bobUi: RunningGatehouseUi;
let alice: BridgeWsClient;
let bob: BridgeWsClient;

async function clusterValue(sql: string): Promise<string> {
  const result = await cluster.psql(sql);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** session.signIn, then the dev IdP's login form, then the broker's loopback redirect. */
async function signIn(client: BridgeWsClient, name: string): Promise<void> {
  const from = client.events.length;
  const state = await client.call('session.setServer', { url: server.url });
  expect(state).toMatchObject({ host: 'browser', serverUrl: server.url, signedIn: false });
  expect(state.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  const started = await client.call('session.signIn', {});
  expect(started.openedBy).toBe('renderer');
  const authorization = new URL(started.authorizationUrl);
  expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorization.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  const callback = await followAuthorization(started.authorizationUrl, name, `${name}-password`);
  const page = await fetch(callback);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Signed in to Gatehouse');
  const changed = await client.waitFor('session.changed', (s) => s.signedIn, { from });
  expect(changed.user?.name).toBe(name);
}

/** Runs SQL in a tab and resolves with every event of the run once it is done or failed. */
async function runQuery(client: BridgeWsClient, sql: string, opts: { tabId?: string; justification?: string; timeoutMs?: number } = {}): Promise<{ queryId: string; events: QueryEvent[]; end: QueryEvent }> {
  const from = client.events.length;
  const { queryId } = await client.call('query.run', { connection: 'crm', sql, tabId: opts.tabId ?? 'tab-1', ...(opts.justification === undefined ? {} : { justification: opts.justification }) });
  const end = await client.waitFor('query.event', (e) => e.queryId === queryId && (e.kind === 'done' || e.kind === 'failed'), { from, timeoutMs: opts.timeoutMs ?? 30_000 });
  return { queryId, events: client.eventsOf('query.event', from).filter((e) => e.queryId === queryId), end };
}

/** Starts SQL that will be held for approval; resolves with the request once the pane is told. */
async function runHeld(client: BridgeWsClient, sql: string, opts: { tabId?: string; justification?: string } = {}): Promise<{ queryId: string; request: ApprovalRequest; from: number; waitingAt: number }> {
  const from = client.events.length;
  const { queryId } = await client.call('query.run', { connection: 'crm', sql, tabId: opts.tabId ?? 'tab-1', ...(opts.justification === undefined ? {} : { justification: opts.justification }) });
  const waiting = await client.waitFor('query.event', (e) => e.queryId === queryId && (e.kind === 'waiting' || e.kind === 'failed' || e.kind === 'done'), { from });
  if (waiting.kind !== 'waiting') throw new Error(`expected the statement to wait for approval: ${JSON.stringify(waiting)}`);
  return { queryId, request: waiting.request, from, waitingAt: Date.now() };
}

function outcomeOf(client: BridgeWsClient, queryId: string, from: number): Promise<QueryEvent> {
  return client.waitFor('query.event', (e) => e.queryId === queryId && (e.kind === 'done' || e.kind === 'failed'), { from, timeoutMs: 20_000 });
}

beforeAll(async () => {
  serverDir = await mkdtemp(join(tmpdir(), 'gatehouse-ui-bridge-server-'));
  [cluster, server] = await Promise.all([
    startPostgresCluster(),
    startServerProcess(['--dev-idp', '--listen', '127.0.0.1:0', '--data-dir', serverDir], { GATEHOUSE_SECRETS_KEY: SECRETS_KEY }),
  ]);
  const setup = await cluster.psql(`
    create table customers(id int primary key, name text, email text, balance int);
    insert into customers values (1, 'Ada', '${RAW_EMAILS[0]}', 100), (2, 'Grace', '${RAW_EMAILS[1]}', 200), (3, 'Alan', '${RAW_EMAILS[2]}', 300);
    create table notes(id serial primary key, body text);
  `);
  expect(setup.code, setup.stderr).toBe(0);
  dave = await signInUser(server.url, 'dave');
  const created = await fetch(`${server.url}/v1/connections`, {
    method: 'POST',
    headers: { authorization: `Bearer ${dave.tokens.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'crm',
      kind: 'postgres',
      description: 'customer records',
      target: { host: '127.0.0.1', port: cluster.port, database: cluster.database, user: cluster.users.scram.user, sslmode: 'require', caPem: null },
      credential: { kind: 'password', password: cluster.users.scram.password },
      allowedGroups: ['analysts'],
      policyYaml: POLICY,
    }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  [aliceUi, bobUi] = await Promise.all([startGatehouseUi('alice'), startGatehouseUi('bob')]);
  [alice, bob] = await Promise.all([BridgeWsClient.connect(aliceUi.bridgeUrl, aliceUi.origin), BridgeWsClient.connect(bobUi.bridgeUrl, bobUi.origin)]);
}, 180_000);

afterAll(async () => {
  alice?.close();
  bob?.close();
  await Promise.all([aliceUi?.stop(), bobUi?.stop()]);
  await server?.stop();
  await cluster?.stop();
  await dave?.remove();
  if (serverDir !== undefined) await rm(serverDir, { recursive: true, force: true });
});

describe('gatehouse ui: the WebSocket bridge', () => {
  it('refuses a wrong token, a foreign Origin and a foreign Host', async () => {
    const wrongToken = aliceUi.bridgeUrl.replace(/token=[^&]+/, `token=${randomBytes(32).toString('base64url')}`);
    await expect(BridgeWsClient.connect(wrongToken, aliceUi.origin)).rejects.toThrow(/HTTP 401/);
    await expect(BridgeWsClient.connect(aliceUi.bridgeUrl.replace(/\?token=.*/, ''), aliceUi.origin)).rejects.toThrow(/HTTP 401/);
    await expect(BridgeWsClient.connect(aliceUi.bridgeUrl, 'http://evil.example')).rejects.toThrow(/HTTP 403/);
    await expect(BridgeWsClient.connect(aliceUi.bridgeUrl, bobUi.origin)).rejects.toThrow(/HTTP 403/);
    await expect(BridgeWsClient.connect(aliceUi.bridgeUrl.replace('127.0.0.1', 'localhost'), aliceUi.origin)).rejects.toThrow(/HTTP 403/);
    const page = await fetch(aliceUi.origin);
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ws://127.0.0.1:${new URL(aliceUi.origin).port}`);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('signs alice and bob in through the dev IdP with a loopback redirect; no token crosses the bridge', async () => {
    await Promise.all([signIn(alice, 'alice'), signIn(bob, 'bob')]);
    expect(await alice.call('session.state', {})).toMatchObject({ signedIn: true, user: { name: 'alice', groups: ['analysts'] }, serverUrl: server.url });
    const state = await bob.call('session.state', {});
    expect(state.user?.approverGroups).toEqual(['db-approvers']);
    expect(Date.parse(state.expiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(state.expiryWarning).toBe(false);
    // Each home holds its own person's tokens (0600) and the server it chose.
    expect((await stat(join(aliceUi.home, 'tokens.json'))).mode & 0o077).toBe(0);
    expect(JSON.parse(await readFile(join(aliceUi.home, 'app-settings.json'), 'utf8'))).toMatchObject({ serverUrl: server.url });
    const tokens = JSON.parse(await readFile(join(aliceUi.home, 'tokens.json'), 'utf8')) as { logins: Record<string, { accessToken: string; refreshToken: string; name: string }> };
    const login = tokens.logins[server.url]!;
    expect(login.name).toBe('alice');
    for (const frame of alice.frames) {
      expect(frame).not.toContain(login.accessToken);
      expect(frame).not.toContain(login.refreshToken);
      expect(frame).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    }
  });

  it('lists connections with search and the policy in plain words', async () => {
    const { connections } = await alice.call('connections.list', {});
    expect(connections).toHaveLength(1);
    const crm = connections[0]!;
    expect(crm).toMatchObject({ name: 'crm', kind: 'postgres', description: 'customer records', target: `127.0.0.1:${cluster.port}/${cluster.database}`, policyVersion: 1, open: false });
    expect(crm.policySummary).toEqual(
      expect.arrayContaining([
        'DDL and dangerous statements are blocked',
        'exports on public.customers are blocked',
        'writes on public.notes need approval by db-approvers, with a justification',
        'writes need approval by db-approvers',
        'anything else is blocked',
        'public.customers.email is masked (partial)',
      ]),
    );
    expect((await alice.call('connections.list', { q: 'customer' })).connections.map((c) => c.name)).toEqual(['crm']);
    expect((await alice.call('connections.list', { q: 'no-such-thing' })).connections).toEqual([]);
    // bob is no analyst: the server shows him nothing to open.
    expect((await bob.call('connections.list', {})).connections).toEqual([]);
  });

  it('opens a local port with a psql command, and lists tables and columns for completion', async () => {
    const port = await alice.call('connections.openLocalPort', { connection: 'crm' });
    expect(port.url).toMatch(/^postgres:\/\/gh_scram:[^@]+@127\.0\.0\.1:\d+\/gatehouse_test$/);
    expect(port.command).toBe(`psql '${port.url}'`);
    expect(port.listening).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await alice.call('connections.list', {})).connections[0]!.open).toBe(true);
    const { tables } = await alice.call('connections.schema', { connection: 'crm' });
    expect(tables).toEqual(expect.arrayContaining([{ schema: 'public', name: 'customers', columns: ['id', 'name', 'email', 'balance'] }]));
  });

  it('runs a SELECT: masked columns are flagged and no raw value appears in any event', async () => {
    const framesBefore = alice.frames.length;
    const { events, end } = await runQuery(alice, 'select id, name, email as contact, balance from customers order by id');
    expect(end).toMatchObject({ kind: 'done', command: 'SELECT 3', rowCount: 3 });
    const columns = events.find((e) => e.kind === 'columns');
    expect(columns?.kind === 'columns' && columns.columns).toEqual([
      { name: 'id', typeName: 'int4', masked: null },
      { name: 'name', typeName: 'text', masked: null },
      { name: 'contact', typeName: 'text', masked: { rule: 'public.customers.email', style: 'partial' } },
      { name: 'balance', typeName: 'int4', masked: null },
    ]);
    const rows = events.flatMap((e) => (e.kind === 'rows' ? e.rows : []));
    expect(rows.map((r) => r[1])).toEqual(['Ada', 'Grace', 'Alan']);
    for (const [i, row] of rows.entries()) {
      expect(row[2]).not.toBe(RAW_EMAILS[i]);
      expect(row[2]).toMatch(/\*/);
    }
    const wire = alice.frames.slice(framesBefore).join('\n');
    for (const email of RAW_EMAILS) {
      expect(wire).not.toContain(email);
      expect(wire).not.toContain(email.split('@')[0]);
    }
    // The opt-in notice is consumed by the broker, never shown as a notice.
    expect(events.filter((e) => e.kind === 'notice')).toEqual([]);
  });

  it('exports the last result as CSV or TSV, unless the policy blocks exporting it', async () => {
    const customers = await runQuery(alice, 'select name, email from customers order by id');
    await expect(alice.call('query.export', { queryId: customers.queryId, format: 'csv' })).rejects.toThrow(/forbidden.*customer data may not be exported/);
    const numbers = await runQuery(alice, "select g as n, 'a,b' as label, null as nothing from generate_series(1, 3) g");
    const csv = await alice.call('query.export', { queryId: numbers.queryId, format: 'csv' });
    expect(csv).toEqual({ path: null, content: 'n,label,nothing\r\n1,"a,b",\r\n2,"a,b",\r\n3,"a,b",\r\n' });
    const tsv = await alice.call('query.export', { queryId: numbers.queryId, format: 'tsv' });
    expect(tsv.content).toBe('n\tlabel\tnothing\n1\ta,b\t\\N\n2\ta,b\t\\N\n3\ta,b\t\\N\n');
  });

  it('blocks DDL with its SQLSTATE and the policy message', async () => {
    const { end } = await runQuery(alice, 'drop table customers');
    expect(end).toMatchObject({ kind: 'failed', sqlstate: '42501', needsJustification: false });
    expect(end.kind === 'failed' && end.message).toMatch(/no-ddl/);
    expect(await clusterValue('select count(*) from customers')).toBe('3');
  });

  it('holds an UPDATE for approval; bob sees it within a second, approves, and alice gets the result', async () => {
    const bobFrom = bob.events.length;
    const held = await runHeld(alice, 'update customers set balance = balance + 1 where id = 1');
    expect(held.request).toMatchObject({ state: 'pending', requesterName: 'alice', connection: 'crm', rule: 'writes', approverGroups: ['db-approvers'] });
    expect(held.request.scope).toMatchObject({ kind: 'statement', statement: 'update customers set balance = balance + 1 where id = 1', class: 'write' });

    const notification = await bob.waitFor('notification', (n) => n.deepLink === `gatehouse://approvals/${held.request.id}`, { from: bobFrom, timeoutMs: 5000 });
    expect(notification.title).toBe('Approval requested on crm');
    expect(notification.body).toContain('alice');
    const seenAt = bob.events.find((e, i) => i >= bobFrom && e.event === 'notification')!.at;
    expect(seenAt - held.waitingAt).toBeLessThan(1000);
    expect((await bob.waitFor('approvals.pending', (p) => p.count >= 1, { from: bobFrom })).count).toBe(1);
    const inbox = await bob.call('approvals.inbox', {});
    expect(inbox.pendingForMe).toBe(1);
    expect(inbox.requests.find((r) => r.id === held.request.id)).toMatchObject({ state: 'pending', cannotDecideReason: null });
    // alice sees her own request, and why she cannot decide it.
    const mine = (await alice.call('approvals.inbox', {})).requests.find((r) => r.id === held.request.id);
    expect(mine?.cannotDecideReason).toMatch(/you made this request/);
    await expect(alice.call('approvals.decide', { id: held.request.id, decision: 'approve' })).rejects.toThrow(/forbidden/);
    expect(await clusterValue('select balance from customers where id = 1')).toBe('100');

    const aliceFrom = alice.events.length;
    const decided = await bob.call('approvals.decide', { id: held.request.id, decision: 'approve', comment: 'fine' });
    expect(decided.state).toBe('approved');
    expect(await outcomeOf(alice, held.queryId, held.from)).toMatchObject({ kind: 'done', command: 'UPDATE 1', rowCount: 1 });
    expect(await clusterValue('select balance from customers where id = 1')).toBe('101');
    const told = await alice.waitFor('notification', (n) => n.deepLink === `gatehouse://approvals/${held.request.id}`, { from: aliceFrom });
    expect(told.title).toBe('Approved on crm');
    // Decided requests stay listed for reference.
    expect((await bob.call('approvals.inbox', {})).requests.find((r) => r.id === held.request.id)?.state).toMatch(/approved|executed/);
    expect((await bob.call('approvals.inbox', {})).pendingForMe).toBe(0);
  });

  it('turns a denial into the approver’s words', async () => {
    const held = await runHeld(alice, 'update customers set balance = 0 where id = 2');
    const aliceFrom = alice.events.length;
    await bob.call('approvals.decide', { id: held.request.id, decision: 'deny', comment: 'not on a Friday' });
    const end = await outcomeOf(alice, held.queryId, held.from);
    expect(end).toMatchObject({ kind: 'failed', sqlstate: '42501', needsJustification: false });
    expect(end.kind === 'failed' && end.message).toMatch(/denied by bob: not on a Friday/);
    expect((await alice.waitFor('notification', (n) => n.deepLink.endsWith(held.request.id), { from: aliceFrom })).body).toContain('not on a Friday');
    expect(await clusterValue('select balance from customers where id = 2')).toBe('200');
  });

  it('cancels a waiting statement and withdraws its request', async () => {
    const held = await runHeld(alice, 'update customers set balance = 1 where id = 3', { tabId: 'tab-cancel' });
    await alice.call('query.cancel', { queryId: held.queryId });
    const end = await outcomeOf(alice, held.queryId, held.from);
    expect(end).toMatchObject({ kind: 'failed', sqlstate: '57014' });
    await expect.poll(async () => (await bob.call('approvals.get', { id: held.request.id })).state, { timeout: 10_000 }).toBe('cancelled');
    expect(await clusterValue('select balance from customers where id = 3')).toBe('300');
    // The tab's session is still usable afterwards.
    expect((await runQuery(alice, 'select 1 as one', { tabId: 'tab-cancel' })).end).toMatchObject({ kind: 'done', rowCount: 1 });
  });

  it('asks for a justification when the rule needs one, and sends it with the request', async () => {
    const refused = await runQuery(alice, "insert into notes(body) values ('hello')", { tabId: 'tab-notes' });
    expect(refused.end).toMatchObject({ kind: 'failed', sqlstate: '42501', needsJustification: true });
    const held = await runHeld(alice, "insert into notes(body) values ('hello')", { tabId: 'tab-notes', justification: "ticket 42: it's needed" });
    expect(held.request.justification).toBe("ticket 42: it's needed");
    expect(held.request.rule).toBe('justified-notes');
    await bob.call('approvals.decide', { id: held.request.id, decision: 'approve', comment: '' });
    expect(await outcomeOf(alice, held.queryId, held.from)).toMatchObject({ kind: 'done', command: 'INSERT 0 1' });
    expect(await clusterValue('select body from notes')).toBe('hello');
  });

  it('keeps a transaction open across runs of one tab', async () => {
    expect((await runQuery(alice, 'begin', { tabId: 'tab-tx' })).end).toMatchObject({ kind: 'done', command: 'BEGIN' });
    expect((await runQuery(alice, 'select txid_current() is not null as in_tx', { tabId: 'tab-tx' })).end).toMatchObject({ kind: 'done' });
    const status = await runQuery(alice, "select current_setting('transaction_isolation') as iso, now() = statement_timestamp() as fresh", { tabId: 'tab-tx' });
    // Inside a transaction now() stays at its start, so it differs from the statement's time.
    expect(status.events.flatMap((e) => (e.kind === 'rows' ? e.rows : []))[0]?.[1]).toBe('f');
    expect((await runQuery(alice, 'commit', { tabId: 'tab-tx' })).end).toMatchObject({ kind: 'done', command: 'COMMIT' });
  });

  it('streams 100k rows in batches', async () => {
    const { events, end } = await runQuery(alice, "select g as n, 'row ' || g as label from generate_series(1, 100000) g", { tabId: 'tab-big', timeoutMs: 120_000 });
    expect(end).toMatchObject({ kind: 'done', command: 'SELECT 100000', rowCount: 100000 });
    const batches = events.filter((e): e is Extract<QueryEvent, { kind: 'rows' }> => e.kind === 'rows');
    expect(batches.length).toBeGreaterThanOrEqual(200);
    expect(Math.max(...batches.map((b) => b.rows.length))).toBeLessThanOrEqual(500);
    expect(batches.reduce((n, b) => n + b.rows.length, 0)).toBe(100000);
    expect(batches.at(-1)?.total).toBe(100000);
    expect(batches.at(-1)?.rows.at(-1)).toEqual(['100000', 'row 100000']);
  });

  it('signs out: the tokens are gone and the bridge refuses signed-in calls', async () => {
    const from = bob.events.length;
    const state = await bob.call('session.signOut', {});
    expect(state).toMatchObject({ signedIn: false, user: null, serverUrl: server.url });
    expect((await bob.waitFor('session.changed', (s) => !s.signedIn, { from })).signedIn).toBe(false);
    const tokens = JSON.parse(await readFile(join(bobUi.home, 'tokens.json'), 'utf8')) as { logins: Record<string, unknown> };
    expect(tokens.logins).toEqual({});
    const refused = await bob.call('approvals.inbox', {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BridgeCallFailed);
    expect((refused as BridgeCallFailed).error.code).toBe('unauthenticated');
  });
});
