import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text as streamText } from 'node:stream/consumers';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../shared/api/audit.ts';
import type { Principal } from '../../shared/api/identity.ts';
import type { AuditEvent } from '../../shared/audit/audit-event.ts';
import { AuditSpool } from '../../broker/audit/audit-spool.ts';
import { SpoolShipper } from '../../broker/audit/spool-shipper.ts';
import { ServerApi, ServerApiError } from '../../broker/server-client/api-client.ts';
import type { AuditIngestBatch, AuditIngestResponse, AuditSearchQuery } from '../../broker/server-client/api-client.ts';
import { appendAuditRecords } from '../../server/audit/audit-chain.ts';
import { AUDIT_CSV_COLUMNS } from '../../server/audit/audit-csv.ts';
import { auditRecordFromEvent } from '../../server/audit/audit-event-record.ts';
import { purgeExpiredAuditRecords } from '../../server/audit/audit-retention.ts';
import { checkpointSigner } from '../../server/audit/checkpoint-signing.ts';
import { startServer } from '../../server/start-server.ts';
import type { RunningServer } from '../../server/start-server.ts';
import { openPgliteDatabase } from '../../server/store/pglite-database.ts';
import { devIdpServerConfig } from '../support/in-process-server-config.ts';
import { loginWithPassword, machineToken } from '../support/dev-idp.ts';
import { makeStatementEvent } from '../unit/audit/make-audit-event.ts';
import { parseCsv } from '../unit/server-audit/parse-csv.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const quiet = pino({ level: 'silent' });

let dataDir: string;
let server: RunningServer;
const tokens: Record<'alice' | 'bob' | 'carol' | 'dave' | 'agent', string> = { alice: '', bob: '', carol: '', dave: '', agent: '' };

function apiAs(who: keyof typeof tokens, url = server.url): ServerApi {
  return new ServerApi(url, { accessToken: async () => tokens[who] });
}

/** Every matching record, page by page, as the UI and CLI walk them. */
async function searchAll(api: ServerApi, query: AuditSearchQuery = {}, limit = 1000): Promise<AuditRecord[]> {
  const all: AuditRecord[] = [];
  let after: number | undefined = undefined;
  for (;;) {
    const page = await api.searchAudit({ ...query, limit, ...(after === undefined ? {} : { after }) });
    all.push(...page.records);
    if (page.nextAfter === null) return all;
    after = page.nextAfter;
  }
}

async function refused(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServerApiError);
  return (error as ServerApiError).status;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-server-audit-'));
  server = await startServer(devIdpServerConfig(dataDir), { db: await openPgliteDatabase(), log: quiet });
  const issuer = server.devIdp!.issuer;
  for (const user of ['alice', 'bob', 'carol', 'dave'] as const) {
    tokens[user] = (await loginWithPassword(issuer, user, `${user}-password`)).accessToken;
  }
  tokens.agent = await machineToken(issuer, server.devIdp!.machineClient.clientId, server.devIdp!.machineClient.clientSecret);
  // Each token's first use is logged as a sign-in (server/http/login-audit.ts): get those out of the way.
  for (const who of Object.keys(tokens) as Array<keyof typeof tokens>) await apiAs(who).me();
});

afterAll(async () => {
  await server?.close();
  await server?.db.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Alice's events: two connections, three classes, two decisions, one minute apart, an hour ago. */
const base = Math.floor((Date.now() - 60 * MINUTE) / 1000) * 1000;
const aliceEvents: AuditEvent[] = Array.from({ length: 12 }, (_, i) =>
  makeStatementEvent({
    time: new Date(base + i * MINUTE).toISOString(),
    actor: { user: 'alice', kind: 'human', localUser: 'alice' },
    connection: i % 2 === 0 ? 'orders' : 'billing',
    sessionId: `alice-session-${i % 3}`,
    statement: {
      text: i % 4 === 0 ? `SELECT * FROM Customers WHERE id = ${i}` : `update invoices set paid = true where id = ${i}`,
      fingerprint: `fp-${i % 4}`,
      class: ['read', 'write', 'ddl'][i % 3]!,
      protocol: 'simple',
    },
    decision: i % 5 === 0 ? 'block' : 'allow',
  }),
);
const bobEvents: AuditEvent[] = Array.from({ length: 3 }, (_, i) =>
  makeStatementEvent({
    time: new Date(base + i * MINUTE + 30_000).toISOString(),
    actor: { user: 'bob', kind: 'human', localUser: 'bob' },
    connection: 'orders',
    statement: { text: `select customers from bob_${i}`, fingerprint: 'fp-bob', class: 'read', protocol: 'simple' },
  }),
);

describe('POST /v1/audit/ingest', () => {
  it('accepts a batch once: a resend counts duplicates and stores nothing', async () => {
    expect(await apiAs('alice').ingestAudit({ brokerId: 'alice-laptop', events: aliceEvents })).toEqual({ accepted: 12, duplicates: 0 });
    expect(await apiAs('alice').ingestAudit({ brokerId: 'alice-laptop', events: aliceEvents })).toEqual({ accepted: 0, duplicates: 12 });
    // A partly new batch: only the new event is stored.
    const fresh = makeStatementEvent({ actor: { user: 'bob', kind: 'human', localUser: 'bob' } });
    expect(await apiAs('bob').ingestAudit({ brokerId: 'bob-desk', events: [...bobEvents, bobEvents[0]!] })).toEqual({ accepted: 3, duplicates: 1 });
    expect(await apiAs('bob').ingestAudit({ brokerId: 'bob-desk', events: [bobEvents[1]!, fresh] })).toEqual({ accepted: 1, duplicates: 1 });
    // Sign-ins are logged too (server/http/login-audit.ts): count the brokers' records.
    const [{ n }] = (await server.db.query<{ n: number }>("select count(*)::int as n from audit_log where source = 'broker'")) as [{ n: number }];
    expect(n).toBe(16);
  });

  it("stores an event claiming to be someone else's as the caller's, with the claim kept beside it", async () => {
    const impostor = makeStatementEvent({
      actor: { user: 'bob', kind: 'human', localUser: 'alice' },
      connection: 'impersonation',
      statement: { text: 'drop table audit', fingerprint: 'fp-x', class: 'dangerous', protocol: 'simple' },
    });
    expect(await apiAs('alice').ingestAudit({ brokerId: 'alice-laptop', events: [impostor] })).toEqual({ accepted: 1, duplicates: 0 });
    const [record] = (await apiAs('carol').searchAudit({ connection: 'impersonation' })).records;
    expect(record).toMatchObject({ id: impostor.id, actor: 'alice', actorMachine: false, source: 'broker' });
    expect(record!.event).toMatchObject({ actor: { user: 'alice', kind: 'human' }, claimedActor: { user: 'bob', kind: 'human' }, brokerId: 'alice-laptop' });
    expect((await apiAs('carol').searchAudit({ user: 'bob', connection: 'impersonation' })).records).toEqual([]);

    // A machine token is recorded as a machine, whatever the event says.
    const agentEvent = makeStatementEvent({ actor: { user: 'alice', kind: 'human', localUser: 'ci' }, connection: 'impersonation' });
    await apiAs('agent').ingestAudit({ brokerId: 'ci-runner', events: [agentEvent] });
    const [, agentRecord] = (await apiAs('carol').searchAudit({ connection: 'impersonation' })).records;
    expect(agentRecord).toMatchObject({ id: agentEvent.id, actor: 'gatehouse-agent', actorMachine: true });
  });

  it('refuses unauthenticated callers, invalid events and oversized batches, storing nothing', async () => {
    const count = async (): Promise<number> =>
      Number((await server.db.query<{ n: number }>("select count(*)::int as n from audit_log where source = 'broker'"))[0]!.n);
    const before = await count();
    const post = (body: unknown, token?: string): Promise<Response> =>
      fetch(`${server.url}/v1/audit/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify(body),
      });
    expect((await post({ brokerId: 'x', events: [makeStatementEvent()] })).status).toBe(401);
    const broken = { ...makeStatementEvent(), id: 'not-a-uuid' };
    expect((await post({ brokerId: 'x', events: [makeStatementEvent(), broken] }, tokens.alice)).status).toBe(400);
    const tooMany = Array.from({ length: 5001 }, () => makeStatementEvent());
    const response = await post({ brokerId: 'x', events: tooMany }, tokens.alice);
    expect(response.status).toBe(400);
    expect(await count()).toBe(before);
  });
});

describe('GET /v1/audit/search', () => {
  const carol = (): ServerApi => apiAs('carol');
  const ids = (records: AuditRecord[]): string[] => records.map((r) => r.id);
  const aliceIds = (pick: (e: AuditEvent, i: number) => boolean): string[] => aliceEvents.filter(pick).map((e) => e.id);

  it('filters by user, connection, class, decision and kind, oldest first', async () => {
    expect(ids(await searchAll(carol(), { user: 'alice', kind: 'statement', connection: 'orders' }))).toEqual(aliceIds((e) => e.connection === 'orders'));
    expect(ids(await searchAll(carol(), { user: 'alice', class: 'ddl' }))).toEqual(aliceIds((e) => e.statement!.class === 'ddl'));
    expect(ids(await searchAll(carol(), { user: 'alice', decision: 'block', connection: 'billing' }))).toEqual(
      aliceIds((e) => e.decision === 'block' && e.connection === 'billing'),
    );
    expect(ids(await searchAll(carol(), { user: 'bob' }))).toEqual(expect.arrayContaining(bobEvents.map((e) => e.id)));
    expect(await searchAll(carol(), { kind: 'statement_result' })).toEqual([]);
    const all = await searchAll(carol());
    expect(all.map((r) => r.seq)).toEqual([...all.map((r) => r.seq)].sort((a, b) => a - b));
  });

  it('filters by time range (from inclusive, to exclusive) and by text, case-insensitively', async () => {
    const from = new Date(base + 3 * MINUTE).toISOString();
    const to = new Date(base + 7 * MINUTE).toISOString();
    expect(ids(await searchAll(carol(), { user: 'alice', from, to }))).toEqual(aliceIds((_, i) => i >= 3 && i < 7));
    expect(ids(await searchAll(carol(), { user: 'alice', text: 'from customers' }))).toEqual(aliceIds((e) => e.statement!.text.startsWith('SELECT')));
    // Bob's statements also mention customers; LIKE wildcards are plain characters.
    expect(ids(await searchAll(carol(), { text: 'CUSTOMERS', connection: 'orders', user: 'bob' }))).toEqual(bobEvents.map((e) => e.id));
    expect(await searchAll(carol(), { text: 'cust%mers' })).toEqual([]);
    expect(await refused(carol().searchAudit({ from: 'yesterday-ish' }))).toBe(400);
  });

  it('pages with after/limit through exactly the records of one search', async () => {
    const everything = await searchAll(carol(), { user: 'alice', kind: 'statement' });
    const pages: number[][] = [];
    let after: number | undefined;
    for (;;) {
      const page = await carol().searchAudit({ user: 'alice', kind: 'statement', limit: 5, ...(after === undefined ? {} : { after }) });
      pages.push(page.records.map((r) => r.seq));
      if (page.nextAfter === null) break;
      expect(page.nextAfter).toBe(page.records.at(-1)!.seq);
      after = page.nextAfter;
    }
    expect(pages.map((p) => p.length)).toEqual([5, 5, 3]);
    expect(pages.flat()).toEqual(everything.map((r) => r.seq));
  });

  it('shows a non-auditor only their own records; auditors and admins see everyone', async () => {
    const aliceSees = await searchAll(apiAs('alice'));
    expect(new Set(aliceSees.map((r) => r.actor))).toEqual(new Set(['alice']));
    expect(aliceSees.filter((r) => r.kind === 'statement')).toHaveLength(13);
    expect(aliceSees.filter((r) => r.kind === 'login')).toHaveLength(1);
    expect(await searchAll(apiAs('alice'), { user: 'bob' })).toEqual([]);
    expect(ids(await searchAll(apiAs('bob')))).toEqual(expect.arrayContaining(bobEvents.map((e) => e.id)));
    expect(new Set((await searchAll(apiAs('bob'))).map((r) => r.actor))).toEqual(new Set(['bob']));
    const carolSees = await searchAll(carol());
    expect(new Set(carolSees.map((r) => r.actor))).toEqual(new Set(['alice', 'bob', 'carol', 'dave', 'gatehouse-agent']));
    expect(await searchAll(apiAs('dave'))).toEqual(carolSees);
    expect((await fetch(`${server.url}/v1/audit/search`)).status).toBe(401);
  });
});

describe('GET /v1/audit/export', () => {
  async function exportText(who: keyof typeof tokens, format: 'jsonl' | 'csv', filters: AuditSearchQuery = {}): Promise<string> {
    return streamText(await apiAs(who).exportAudit(format, filters));
  }

  it('streams JSON lines that match the search', async () => {
    const body = await exportText('carol', 'jsonl', { connection: 'orders' });
    expect(body.endsWith('\n')).toBe(true);
    const lines = body.trimEnd().split('\n').map((line) => JSON.parse(line) as AuditRecord);
    expect(lines).toEqual(await searchAll(apiAs('carol'), { connection: 'orders' }));

    const response = await fetch(`${server.url}/v1/audit/export?format=jsonl`, { headers: { authorization: `Bearer ${tokens.carol}` } });
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="gatehouse-audit-.*\.jsonl"$/);
    expect((await response.text()).trimEnd().split('\n')).toHaveLength((await searchAll(apiAs('carol'))).length);
  });

  it('streams CSV with a header and one properly quoted row per record', async () => {
    const quoted = makeStatementEvent({
      actor: { user: 'carol', kind: 'human', localUser: 'carol' },
      connection: 'csv-check',
      statement: { text: 'select \'a,"b"\'\nfrom t', fingerprint: 'fp-csv', class: 'read', protocol: 'simple' },
    });
    await apiAs('carol').ingestAudit({ brokerId: 'carol-desk', events: [quoted] });

    const rows = parseCsv(await exportText('carol', 'csv'));
    expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    const records = await searchAll(apiAs('carol'));
    expect(rows.slice(1).map((row) => [Number(row[0]), row[1], row[12], row[13]])).toEqual(records.map((r) => [r.seq, r.id, r.prevHash, r.hash]));
    const row = rows.find((r) => r[1] === quoted.id)!;
    expect(row[AUDIT_CSV_COLUMNS.indexOf('text')]).toBe('select \'a,"b"\'\nfrom t');
    expect(JSON.parse(row[AUDIT_CSV_COLUMNS.indexOf('event')]!)).toEqual(records.find((r) => r.id === quoted.id)!.event);

    const response = await fetch(`${server.url}/v1/audit/export?format=csv&user=nobody`, { headers: { authorization: `Bearer ${tokens.carol}` } });
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await response.text()).toBe(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
  });

  it("exports only the caller's own records for a non-auditor", async () => {
    const lines = (await exportText('alice', 'jsonl')).trimEnd().split('\n').map((line) => JSON.parse(line) as AuditRecord);
    expect(new Set(lines.map((r) => r.actor))).toEqual(new Set(['alice']));
    expect(lines.filter((r) => r.kind === 'statement')).toHaveLength(13);
    expect(await exportText('alice', 'jsonl', { user: 'bob' })).toBe('');
    expect(parseCsv(await exportText('alice', 'csv', { user: 'carol' }))).toEqual([[...AUDIT_CSV_COLUMNS]]);
  });

  it('refuses a bad format, bad filters and unauthenticated callers before streaming', async () => {
    const get = (query: string, token?: string): Promise<Response> =>
      fetch(`${server.url}/v1/audit/export?${query}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    expect((await get('format=xml', tokens.carol)).status).toBe(400);
    expect((await get('format=csv&from=never', tokens.carol)).status).toBe(400);
    expect((await get('format=csv')).status).toBe(401);
  });

  it('pages through a log larger than one export page', async () => {
    const many = Array.from({ length: 2500 }, (_, i) =>
      makeStatementEvent({ actor: { user: 'dave', kind: 'human', localUser: 'dave' }, connection: 'bulk', sessionId: `bulk-${i}` }),
    );
    await apiAs('dave').ingestAudit({ brokerId: 'dave-desk', events: many });
    const lines = (await exportText('dave', 'jsonl', { connection: 'bulk' })).trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as AuditRecord).id)).toEqual(many.map((e) => e.id));
  });
});

describe('GET /v1/audit/verify', () => {
  it('is for auditors and admins only', async () => {
    expect(await refused(apiAs('alice').verifyAudit())).toBe(403);
    expect(await refused(apiAs('bob').verifyAudit())).toBe(403);
    expect((await apiAs('dave').verifyAudit()).ok).toBe(true);
  });

  it('passes on an intact log and points at exactly the record altered behind the server', async () => {
    const total = (await searchAll(apiAs('carol'))).length;
    expect(await apiAs('carol').verifyAudit()).toEqual({ ok: true, checked: total, firstBroken: null });

    const target = (await searchAll(apiAs('carol'), { user: 'alice', connection: 'billing' }))[2]!;
    await server.db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query("update audit_log set decision = 'allow', text = 'select 1' where seq = $1", [target.seq]);
    });
    const broken = await apiAs('carol').verifyAudit();
    expect(broken).toEqual({
      ok: false,
      checked: target.seq - 1,
      firstBroken: { seq: target.seq, id: target.id, reason: 'hash does not match the record content' },
    });

    await server.db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query('update audit_log set decision = $2, text = $3 where seq = $1', [target.seq, target.decision, target.text]);
    });
    expect((await apiAs('carol').verifyAudit()).ok).toBe(true);
  });
});

describe('retention', () => {
  let second: RunningServer;
  let secondDir: string;

  beforeAll(async () => {
    // A second server on its own store, trusting the first one's dev IdP: its chain starts with old records.
    secondDir = await mkdtemp(join(tmpdir(), 'gatehouse-server-audit-2-'));
    const config = { ...devIdpServerConfig(secondDir), devIdp: false, idp: server.config.idp };
    second = await startServer(config, { db: await openPgliteDatabase(), log: quiet });
  });

  afterAll(async () => {
    await second?.close();
    await second?.db.close();
    await rm(secondDir, { recursive: true, force: true });
  });

  it('purges old records under a signed checkpoint; the log still verifies; a tampered checkpoint does not', async () => {
    const api = (who: keyof typeof tokens): ServerApi => apiAs(who, second.url);
    // Records logged 400 days ago open this server's chain (any request would log a sign-in first).
    const old = Array.from({ length: 5 }, (_, i) =>
      makeStatementEvent({ time: new Date(Date.now() - (400 - i) * DAY).toISOString(), actor: { user: 'alice', kind: 'human', localUser: 'a' } }),
    );
    const alice: Principal = { subject: 'alice', name: 'alice', groups: ['analysts'], roles: ['analyst'], approverGroups: [], machine: false };
    await second.db.transaction((tx) => appendAuditRecords(tx, old.map((event) => auditRecordFromEvent(event, alice, 'b'))));
    const oldHashes = (await second.db.query<{ hash: string }>('select hash from audit_log order by seq limit 5')).map((r) => r.hash);
    const recent = Array.from({ length: 3 }, () => makeStatementEvent({ actor: { user: 'alice', kind: 'human', localUser: 'a' } }));
    expect(await api('alice').ingestAudit({ brokerId: 'b', events: recent })).toEqual({ accepted: 3, duplicates: 0 });
    expect((await api('carol').verifyAudit()).ok).toBe(true);

    const signer = checkpointSigner(second.config.secretsKey);
    expect(await purgeExpiredAuditRecords({ db: second.db, signer, auditDays: 365 })).toEqual({ ran: true, removed: 5, checkpoints: 1 });

    const left = await searchAll(api('carol'));
    expect(left.map((r) => r.id)).not.toEqual(expect.arrayContaining([old[0]!.id]));
    expect(left.filter((r) => r.kind === 'statement').map((r) => r.id)).toEqual(recent.map((e) => e.id));
    const purge = left.find((r) => r.kind === 'audit_retention_purge')!;
    expect(purge).toMatchObject({ source: 'server', actor: 'gatehouse-server', actorMachine: true });
    expect(purge.event).toMatchObject({ removedFromSeq: 1, removedThroughSeq: 5, removedCount: 5, lastRemovedHash: oldHashes[4], auditDays: 365 });
    // The purge is the server's record, not alice's.
    expect((await searchAll(api('alice'))).map((r) => r.kind)).not.toContain('audit_retention_purge');

    const [checkpoint] = await second.db.query<{ id: number; removed_through_seq: number; removed_count: number; last_removed_hash: string; key_id: string; signature: string }>(
      'select id, removed_through_seq, removed_count, last_removed_hash, key_id, signature from audit_checkpoints',
    );
    expect(checkpoint).toMatchObject({
      removed_through_seq: 5,
      removed_count: 5,
      last_removed_hash: oldHashes[4],
      key_id: signer.keyId,
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const remaining = Number((await second.db.query<{ n: number }>('select count(*)::int as n from audit_log'))[0]!.n);
    expect(await api('carol').verifyAudit()).toEqual({ ok: true, checked: remaining, firstBroken: null });

    // Another purge with nothing expired changes nothing.
    expect(await purgeExpiredAuditRecords({ db: second.db, signer, auditDays: 365 })).toMatchObject({ removed: 0 });

    await second.db.transaction(async (tx) => {
      await tx.query("set local gatehouse.retention = 'on'");
      await tx.query("update audit_checkpoints set last_removed_hash = repeat('0', 64)");
    });
    expect(await api('carol').verifyAudit()).toEqual({
      ok: false,
      checked: 0,
      firstBroken: { seq: 5, id: `checkpoint-${checkpoint!.id}`, reason: `retention checkpoint ${checkpoint!.id}: signature does not match the checkpoint` },
    });
  });
});

describe("the broker's SpoolShipper against the real server", () => {
  let spoolDir: string;

  beforeAll(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'gatehouse-server-audit-spool-'));
  });

  afterAll(async () => {
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('ships 1,200 events across a lost acknowledgement and a restart: none lost, none twice', async () => {
    const spool = await AuditSpool.open(spoolDir, { segmentBytes: 64 * 1024, durability: 'buffered' });
    const spooled = Array.from({ length: 1200 }, (_, i) =>
      makeStatementEvent({ actor: { user: 'alice', kind: 'human', localUser: 'alice' }, connection: 'shipped', sessionId: `ship-${i}` }),
    );
    await Promise.all(spooled.map((event) => spool.append(event)));
    await spool.close();

    const real = apiAs('alice');
    const answers: AuditIngestResponse[] = [];
    let calls = 0;
    // The third batch reaches the server and is stored, but its answer is lost on the way back.
    const flaky = {
      ingestAudit: async (batch: AuditIngestBatch): Promise<AuditIngestResponse> => {
        calls++;
        const answer = await real.ingestAudit(batch);
        answers.push(answer);
        if (calls === 3) throw new Error('connection reset after the server committed');
        return answer;
      },
    };
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (_: object, msg: string) => warnings.push(msg) };
    const shipped = async (): Promise<number> =>
      Number((await server.db.query<{ n: number }>("select count(*)::int as n from audit_log where connection = 'shipped'"))[0]!.n);

    const first = new SpoolShipper({ spoolDir, api: flaky, brokerId: 'alice-laptop', batchSize: 100, intervalMs: 20, maxBackoffMs: 50, log });
    first.start();
    const deadline = Date.now() + 30_000;
    while ((await shipped()) < 500 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await first.stop();
    const midway = await shipped();
    expect(midway).toBeGreaterThanOrEqual(500);
    expect(midway).toBeLessThan(1200);
    expect(warnings).toContain('audit shipping failed; will retry');

    // A new process: a new shipper on the same spool, reading the cursor the first one left.
    const second = new SpoolShipper({ spoolDir, api: flaky, brokerId: 'alice-laptop', batchSize: 100, log });
    await second.flush();

    const rows = await server.db.query<{ id: string }>("select id::text as id from audit_log where connection = 'shipped' order by seq");
    expect(rows).toHaveLength(1200);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(spooled.map((e) => e.id)));
    // The batch whose answer was lost was sent again and recognised as duplicates, nothing else was.
    expect(answers[2]!.accepted).toBeGreaterThan(0);
    expect(answers.reduce((sum, a) => sum + a.duplicates, 0)).toBe(answers[2]!.accepted);
    expect(answers.reduce((sum, a) => sum + a.accepted, 0)).toBe(1200);
    expect((await apiAs('carol').verifyAudit()).ok).toBe(true);
  });
});
