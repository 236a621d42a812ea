import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_SCHEDULER_LOCK_KEY } from '../../server/approvals/approval-scheduler.ts';
import { verifyAuditChain } from '../../server/audit/audit-chain.ts';
import { loadServerConfig } from '../../server/config/load-config.ts';
import { startDevIdp } from '../../server/dev-idp/dev-idp.ts';
import type { DevIdp } from '../../server/dev-idp/dev-idp.ts';
import { startServer } from '../../server/start-server.ts';
import type { RunningServer } from '../../server/start-server.ts';
import type { ApprovalCreate, ApprovalRequest } from '../../shared/api/approvals.ts';
import { serverEventSchema } from '../../shared/api/events.ts';
import type { ServerEvent } from '../../shared/api/events.ts';
import { loginWithPassword } from '../support/dev-idp.ts';
import { startPostgresCluster } from '../support/postgres-cluster.ts';
import type { PostgresCluster } from '../support/postgres-cluster.ts';
import { eventually } from '../support/eventually.ts';
import { insertConnectionFixture, statementRequest } from '../unit/server-approvals/approval-fixtures.ts';

/*
 * Approvals and server-sent events end to end: the real server (startServer, as `gatehouse
 * server` runs it) with tokens from the dev IdP's login form. Connections and policies are
 * inserted straight into the server's database, standing in for the connections module.
 */

const USERS = ['alice', 'bob', 'erin', 'carol', 'dave'] as const;
type User = (typeof USERS)[number];
const quiet = pino({ level: 'silent' });

interface Received {
  id: string | undefined;
  event: ServerEvent;
}

/** A GET /v1/events reader that keeps everything it received and lets a test wait for one event. */
class EventSubscriber {
  readonly received: Received[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  static async open(baseUrl: string, token: string, opts: { lastEventId?: string; viaQuery?: boolean } = {}): Promise<EventSubscriber> {
    const subscriber = new EventSubscriber();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    let url = `${baseUrl}/v1/events`;
    if (opts.lastEventId !== undefined) {
      if (opts.viaQuery === true) url += `?lastEventId=${opts.lastEventId}`;
      else headers['last-event-id'] = opts.lastEventId;
    }
    const response = await fetch(url, { headers, signal: subscriber.abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const parser = createParser({
      onEvent: (message) => {
        subscriber.received.push({ id: message.id, event: serverEventSchema.parse(JSON.parse(message.data)) });
        for (const wake of subscriber.waiters) wake();
      },
    });
    const body = response.body!;
    subscriber.done = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // Aborted by close(), or the server went away.
      }
    })();
    return subscriber;
  }

  /** Resolves with the first received event (already or later) that matches, or rejects after `ms`. */
  waitFor(what: string, match: (event: ServerEvent) => boolean, ms = 1_000): Promise<Received> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.received.find((r) => match(r.event));
        if (found === undefined) return false;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(found);
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`no ${what} within ${ms} ms; received ${JSON.stringify(this.received.map((r) => [r.id, r.event.type]))}`));
      }, ms);
      this.waiters.add(wake);
      check();
    });
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

function about(id: string, type: ServerEvent['type'], state?: ApprovalRequest['state']): (event: ServerEvent) => boolean {
  return (event) => event.type === type && 'request' in event && event.request.id === id && (state === undefined || event.request.state === state);
}

interface Reply<T = unknown> {
  status: number;
  body: T;
}

function client(baseUrl: string, tokens: Record<User, string>) {
  return async function call<T = unknown>(user: User, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[user]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
}

async function signInAll(issuer: string): Promise<Record<User, string>> {
  const tokens = {} as Record<User, string>;
  for (const user of USERS) tokens[user] = (await loginWithPassword(issuer, user, `${user}-password`)).accessToken;
  return tokens;
}

function statementOf(input: ApprovalCreate): { statement: string; fingerprint: string } {
  if (input.scope.kind !== 'statement') throw new Error('not a statement request');
  return { statement: input.scope.statement, fingerprint: input.scope.fingerprint };
}

describe('approvals on one server (embedded database, dev IdP)', () => {
  let dir: string;
  let server: RunningServer;
  let call: ReturnType<typeof client>;
  let tokens: Record<User, string>;
  const subscribers: EventSubscriber[] = [];
  const subscribe = async (user: User, opts?: { lastEventId?: string; viaQuery?: boolean }): Promise<EventSubscriber> => {
    const subscriber = await EventSubscriber.open(server.url, tokens[user], opts);
    subscribers.push(subscriber);
    return subscriber;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-approvals-'));
    const { config } = await loadServerConfig({
      env: { GATEHOUSE_DEV_IDP: 'true', GATEHOUSE_SECRETS_KEY: randomBytes(32).toString('hex'), GATEHOUSE_DATA_DIR: dir, GATEHOUSE_LISTEN: '127.0.0.1:0' },
    });
    server = await startServer(config, { log: quiet });
    await insertConnectionFixture(server.db);
    tokens = await signInAll(server.devIdp!.issuer);
    call = client(server.url, tokens);
  });

  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.close()));
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  let firstId: string;
  const first = statementRequest('writes', 'update accounts set frozen = true where id = 7');

  it('refuses an event stream without a token', async () => {
    const response = await fetch(`${server.url}/v1/events`);
    expect(response.status).toBe(401);
  });

  it('alice asks; bob is told within a second and finds it in his inbox', async () => {
    const bobEvents = await subscribe('bob');
    const aliceEvents = await subscribe('alice');
    const created = await call<ApprovalRequest>('alice', 'POST', '/v1/approvals', { ...first, justification: 'ticket 42' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'pending', requester: 'alice', approverGroups: ['db-approvers'], cannotDecideReason: 'you made this request' });
    firstId = created.body.id;
    const requested = await bobEvents.waitFor('approval.requested for bob', about(firstId, 'approval.requested'));
    expect(requested.id).toMatch(/^\d+$/);
    await aliceEvents.waitFor('approval.updated (pending) for alice', about(firstId, 'approval.updated', 'pending'));
    // alice is not told to decide her own request.
    expect(aliceEvents.received.some((r) => r.event.type === 'approval.requested')).toBe(false);

    const inbox = await call<{ requests: ApprovalRequest[] }>('bob', 'GET', '/v1/approvals/inbox');
    expect(inbox.body.requests.map((r) => r.id)).toContain(firstId);
    expect(inbox.body.requests.find((r) => r.id === firstId)?.cannotDecideReason).toBeNull();
    expect((await call<{ requests: ApprovalRequest[] }>('alice', 'GET', '/v1/approvals/inbox')).body.requests).toEqual([]);
  });

  it('nobody but an eligible approver other than the requester may decide; auditors may not ask either', async () => {
    const approve = { decision: 'approve', comment: '' };
    const own = await call<{ message: string }>('alice', 'POST', `/v1/approvals/${firstId}/decision`, approve);
    expect(own).toEqual({ status: 403, body: { error: 'forbidden', message: 'you made this request' } });
    expect((await call('carol', 'POST', `/v1/approvals/${firstId}/decision`, approve)).status).toBe(403);
    expect((await call('carol', 'POST', '/v1/approvals', statementRequest('writes', 'delete from t'))).status).toBe(403);
    expect(await call('dave', 'POST', `/v1/approvals/${firstId}/decision`, approve)).toEqual({
      status: 403,
      body: { error: 'forbidden', message: 'you are not in db-approvers' },
    });

    const davesOwn = await call<ApprovalRequest>('dave', 'POST', '/v1/approvals', statementRequest('writes', 'delete from audit_exports'));
    expect(davesOwn.status).toBe(201);
    expect((await call<{ message: string }>('dave', 'POST', `/v1/approvals/${davesOwn.body.id}/decision`, approve)).body.message).toBe('you made this request');

    const asCarol = await call<ApprovalRequest>('carol', 'GET', `/v1/approvals/${firstId}`);
    expect(asCarol.status).toBe(200);
    expect(asCarol.body.cannotDecideReason).toMatch(/^auditors cannot decide/);
    expect((await call<ApprovalRequest>('dave', 'GET', `/v1/approvals/${firstId}`)).body.cannotDecideReason).toBe('you are not in db-approvers');
    // alice may not read dave's request.
    expect((await call('alice', 'GET', `/v1/approvals/${davesOwn.body.id}`)).status).toBe(404);
  });

  it('bob approves; alice’s stream has the decision within a second', async () => {
    const aliceEvents = subscribers[1]!;
    const approved = aliceEvents.waitFor('approval.updated (approved) for alice', about(firstId, 'approval.updated', 'approved'));
    const decided = await call<ApprovalRequest>('bob', 'POST', `/v1/approvals/${firstId}/decision`, { decision: 'approve', comment: 'looks right' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ state: 'approved', decisions: [{ approver: 'bob', decision: 'approve', comment: 'looks right' }] });
    const event = (await approved).event;
    expect(event.type === 'approval.updated' && event.request.decisions[0]?.comment).toBe('looks right');
    expect((await call('erin', 'POST', `/v1/approvals/${firstId}/decision`, { decision: 'deny', comment: '' })).status).toBe(409);
  });

  it('redeems exactly the approved statement, once', async () => {
    const exact = { ...statementOf(first), brokerSessionId: first.brokerSessionId };
    const altered = await call('alice', 'POST', `/v1/approvals/${firstId}/redeem`, { ...exact, statement: `${exact.statement} or true` });
    expect(altered.status).toBe(403);
    expect((await call('bob', 'POST', `/v1/approvals/${firstId}/redeem`, exact)).status).toBe(403);
    const redeemed = await call<{ ok: true; request: ApprovalRequest }>('alice', 'POST', `/v1/approvals/${firstId}/redeem`, exact);
    expect(redeemed.status).toBe(200);
    expect(redeemed.body).toMatchObject({ ok: true, request: { state: 'executed' } });
    const replay = await call<{ message: string }>('alice', 'POST', `/v1/approvals/${firstId}/redeem`, exact);
    expect(replay.status).toBe(409);
    expect(replay.body.message).toMatch(/single-use/);
  });

  it('needs two different approvers where min_approvals is 2; bob twice does not count', async () => {
    const created = await call<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('ddl-two', 'drop table staging.tmp'));
    const id = created.body.id;
    expect(created.body.minApprovals).toBe(2);
    expect((await call<ApprovalRequest>('bob', 'POST', `/v1/approvals/${id}/decision`, { decision: 'approve', comment: '' })).body.state).toBe('pending');
    expect((await call('bob', 'POST', `/v1/approvals/${id}/decision`, { decision: 'approve', comment: 'again' })).status).toBe(409);
    expect((await call<ApprovalRequest>('alice', 'GET', `/v1/approvals/${id}`)).body.state).toBe('pending');
    const second = await call<ApprovalRequest>('erin', 'POST', `/v1/approvals/${id}/decision`, { decision: 'approve', comment: '' });
    expect(second.body).toMatchObject({ state: 'approved' });
    expect(second.body.decisions.map((d) => d.approver)).toEqual(['bob', 'erin']);
  });

  it('a deny with a comment denies', async () => {
    const created = await call<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('writes', 'delete from customers'));
    const denied = await call<ApprovalRequest>('erin', 'POST', `/v1/approvals/${created.body.id}/decision`, { decision: 'deny', comment: 'use a where clause' });
    expect(denied.body).toMatchObject({ state: 'denied', decisions: [{ approver: 'erin', decision: 'deny', comment: 'use a where clause' }] });
  });

  it('expires a request nobody decided (expires_after 2s)', async () => {
    const aliceEvents = subscribers[1]!;
    const created = await call<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('quick', 'alter system set fsync = off'));
    expect(Date.parse(created.body.expiresAt) - Date.parse(created.body.createdAt)).toBe(2_000);
    const expired = await aliceEvents.waitFor('approval.updated (expired)', about(created.body.id, 'approval.updated', 'expired'), 5_000);
    expect(expired.event.type === 'approval.updated' && expired.event.request.decidedAt).not.toBeNull();
    expect((await call<ApprovalRequest>('alice', 'GET', `/v1/approvals/${created.body.id}`)).body.state).toBe('expired');
    expect((await call('bob', 'POST', `/v1/approvals/${created.body.id}/decision`, { decision: 'approve', comment: '' })).status).toBe(409);
  });

  it('escalates to the escalation group after escalate_after', async () => {
    const bobEvents = subscribers[0]!;
    const created = await call<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('night', 'select * from payroll.salaries'));
    const id = created.body.id;
    expect(created.body).toMatchObject({ approverGroups: ['night-shift'], escalationGroups: ['db-approvers'], escalated: false });
    expect(await call<{ message: string }>('bob', 'POST', `/v1/approvals/${id}/decision`, { decision: 'approve', comment: '' })).toMatchObject({
      status: 403,
      body: { message: 'you are not in night-shift' },
    });
    const escalated = await bobEvents.waitFor('approval.requested after escalation', about(id, 'approval.requested'), 5_000);
    expect(escalated.event.type === 'approval.requested' && escalated.event.request.escalated).toBe(true);
    expect((await call<{ requests: ApprovalRequest[] }>('bob', 'GET', '/v1/approvals/inbox')).body.requests.map((r) => r.id)).toContain(id);
    expect((await call<ApprovalRequest>('bob', 'POST', `/v1/approvals/${id}/decision`, { decision: 'approve', comment: '' })).body.state).toBe('approved');
  });

  it('replays what a reconnecting client missed, after its Last-Event-ID, and only what it may see', async () => {
    const early = await subscribe('alice');
    const marker = await call<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('writes', 'delete from t where id = 100'));
    const seen = await early.waitFor('marker event', about(marker.body.id, 'approval.updated'));
    const open = server.app.eventHub.clientCount;
    await early.close();
    await eventually('the server to forget the closed stream', async () => (server.app.eventHub.clientCount === open - 1 ? true : undefined), 2_000);

    // While alice is away: a request of hers is decided, and bob's group gets requests she must not see.
    const missed = await call<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('writes', 'delete from t where id = 101'));
    await call('bob', 'POST', `/v1/approvals/${missed.body.id}/decision`, { decision: 'deny', comment: 'no' });
    const foreign = await call<ApprovalRequest>('dave', 'POST', '/v1/approvals', statementRequest('writes', 'delete from t where id = 102'));

    for (const viaQuery of [false, true]) {
      const resumed = await subscribe('alice', { lastEventId: seen.id!, viaQuery });
      await resumed.waitFor('missed approval.updated (denied)', about(missed.body.id, 'approval.updated', 'denied'));
      const ids = resumed.received.map((r) => Number(r.id));
      expect(ids.every((id) => id > Number(seen.id))).toBe(true);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const requestIds = resumed.received.map((r) => ('request' in r.event ? r.event.request.id : null));
      expect(requestIds).not.toContain(marker.body.id);
      expect(requestIds).not.toContain(foreign.body.id);
      expect(resumed.received.filter((r) => about(missed.body.id, 'approval.updated')(r.event)).map((r) => (r.event as { request: ApprovalRequest }).request.state)).toEqual([
        'pending',
        'denied',
      ]);
      await resumed.close();
    }
    expect((await fetch(`${server.url}/v1/events`, { headers: { authorization: `Bearer ${tokens.alice}`, 'last-event-id': 'abc' } })).status).toBe(400);
  });

  it('lets only the requester cancel, and lists newest first', async () => {
    const created = await call<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('writes', 'delete from t where id = 200'));
    expect((await call('bob', 'POST', `/v1/approvals/${created.body.id}/cancel`, {})).status).toBe(403);
    expect((await call<ApprovalRequest>('alice', 'POST', `/v1/approvals/${created.body.id}/cancel`, {})).body.state).toBe('cancelled');
    const mine = await call<{ requests: ApprovalRequest[] }>('alice', 'GET', '/v1/approvals?mine=true');
    expect(mine.body.requests[0]?.id).toBe(created.body.id);
    const times = mine.body.requests.map((r) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(mine.body.requests.every((r) => r.requester === 'alice')).toBe(true);
    expect((await call('alice', 'GET', '/v1/approvals')).status).toBe(403);
    expect((await call<{ requests: ApprovalRequest[] }>('carol', 'GET', '/v1/approvals')).body.requests.some((r) => r.requester === 'dave')).toBe(true);
  });

  it('audited every transition in an intact hash chain', async () => {
    const kinds = (await server.db.query<{ kind: string }>("select kind from audit_log where kind like 'approval.%'")).map((r) => r.kind);
    for (const kind of ['approval.requested', 'approval.decided', 'approval.expired', 'approval.escalated', 'approval.cancelled', 'approval.redeemed', 'approval.redeem_refused']) {
      expect(kinds).toContain(kind);
    }
    expect(await verifyAuditChain(server.db)).toMatchObject({ ok: true });
  });
});

describe('two replicas on one PostgreSQL', () => {
  let cluster: PostgresCluster;
  let idp: DevIdp;
  let dir: string;
  let a: RunningServer;
  let b: RunningServer;
  let tokens: Record<User, string>;
  const subscribers: EventSubscriber[] = [];

  async function replica(name: string): Promise<RunningServer> {
    const { config } = await loadServerConfig({
      env: {
        GATEHOUSE_IDP_ISSUER: idp.issuer,
        GATEHOUSE_SECRETS_KEY: randomBytes(32).toString('hex'),
        GATEHOUSE_DATABASE: cluster.url({ user: 'super' }),
        GATEHOUSE_DATA_DIR: join(dir, name),
        GATEHOUSE_LISTEN: '127.0.0.1:0',
        GATEHOUSE_ADMIN_GROUPS: 'admins',
        GATEHOUSE_AUDITOR_GROUPS: 'auditors',
        GATEHOUSE_ANALYST_GROUPS: 'analysts',
        GATEHOUSE_APPROVER_GROUPS: 'db-approvers',
      },
    });
    return startServer(config, { log: quiet });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-replicas-'));
    cluster = await startPostgresCluster();
    idp = await startDevIdp({ audience: 'urn:gatehouse', logger: quiet });
    a = await replica('a');
    b = await replica('b');
    await insertConnectionFixture(a.db);
    tokens = await signInAll(idp.issuer);
  });

  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.close()));
    await a?.close();
    await b?.close();
    await idp?.close();
    await cluster?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('a request made through A and decided through B reaches a subscriber on A within a second', async () => {
    const onA = await EventSubscriber.open(a.url, tokens.alice);
    const bobOnB = await EventSubscriber.open(b.url, tokens.bob);
    subscribers.push(onA, bobOnB);
    const created = await client(a.url, tokens)<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('writes', 'update t set x = 1'));
    expect(created.status).toBe(201);
    await bobOnB.waitFor('approval.requested on B', about(created.body.id, 'approval.requested'));
    const approved = onA.waitFor('approval.updated (approved) on A', about(created.body.id, 'approval.updated', 'approved'));
    expect((await client(b.url, tokens)<ApprovalRequest>('bob', 'POST', `/v1/approvals/${created.body.id}/decision`, { decision: 'approve', comment: '' })).status).toBe(200);
    await approved;
  });

  it('misses nothing when the LISTEN connection drops: the replica re-reads what was published meanwhile', async () => {
    const onA = await EventSubscriber.open(a.url, tokens.alice);
    subscribers.push(onA);
    const listeners = await b.db.query<{ n: number }>(
      "select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = 'gatehouse-server-listen'",
    );
    expect(listeners[0]?.n).toBe(2);
    // Published while A's listener is reconnecting (it waits 250 ms before trying): no NOTIFY reaches A.
    const created = await client(b.url, tokens)<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('writes', 'update t set x = 2'));
    await onA.waitFor('the event published during the outage', about(created.body.id, 'approval.updated', 'pending'), 5_000);
    const denied = onA.waitFor('a live event after the reconnect', about(created.body.id, 'approval.updated', 'denied'), 5_000);
    await client(b.url, tokens)('erin', 'POST', `/v1/approvals/${created.body.id}/decision`, { decision: 'deny', comment: '' });
    await denied;
    expect(onA.received.filter((r) => about(created.body.id, 'approval.updated')(r.event))).toHaveLength(2);
  });

  async function leaders(): Promise<RunningServer[]> {
    const holders = await a.db.query<{ n: number }>(
      `select count(*)::int as n from pg_locks where locktype = 'advisory' and granted and classid = $1 and objid = $2 and objsubid = 1`,
      [Math.floor(APPROVAL_SCHEDULER_LOCK_KEY / 2 ** 32), APPROVAL_SCHEDULER_LOCK_KEY % 2 ** 32],
    );
    expect(holders[0]?.n).toBe(1);
    return [a, b].filter((s) => s.app.approvalScheduler.leading);
  }

  it('runs the scheduler on exactly one replica, and the other takes over when it goes away', async () => {
    await eventually('a scheduler leader', async () => ((await leaders()).length === 1 ? true : undefined), 10_000);
    for (let i = 0; i < 4; i++) {
      expect(await leaders()).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const [leader] = await leaders();
    const survivor = leader === a ? b : a;
    await leader!.close();
    await eventually('the survivor taking over', async () => (survivor.app.approvalScheduler.leading ? true : undefined), 10_000);

    const call = client(survivor.url, tokens);
    const created = await call<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('quick', 'alter system set fsync = off'));
    await eventually('the request to expire', async () => ((await call<ApprovalRequest>('alice', 'GET', `/v1/approvals/${created.body.id}`)).body.state === 'expired' ? true : undefined), 8_000);
  });

  it('gives up the scheduler when its lock connection dies, and takes it again', async () => {
    const survivor = a.app.approvalScheduler.leading ? a : b;
    expect(survivor.app.approvalScheduler.leading).toBe(true);
    const [holder] = await survivor.db.query<{ pid: number }>(
      `select pid from pg_locks where locktype = 'advisory' and granted and classid = $1 and objid = $2 and objsubid = 1`,
      [Math.floor(APPROVAL_SCHEDULER_LOCK_KEY / 2 ** 32), APPROVAL_SCHEDULER_LOCK_KEY % 2 ** 32],
    );
    await survivor.db.query('select pg_terminate_backend($1)', [holder!.pid]);
    await eventually('the scheduler to notice the lost lock', async () => (survivor.app.approvalScheduler.leading ? undefined : true), 5_000);
    await eventually('the scheduler to run again', async () => (survivor.app.approvalScheduler.leading ? true : undefined), 10_000);
    const call = client(survivor.url, tokens);
    const created = await call<ApprovalRequest>('alice', 'POST', '/v1/approvals', statementRequest('quick', 'alter system set wal_level = minimal'));
    await eventually('the request to expire', async () => ((await call<ApprovalRequest>('alice', 'GET', `/v1/approvals/${created.body.id}`)).body.state === 'expired' ? true : undefined), 8_000);
  });
});
