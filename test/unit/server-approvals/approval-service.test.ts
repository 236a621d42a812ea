import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../server/audit/audit-chain.ts';
import { ApprovalService } from '../../../server/approvals/approval-service.ts';
import { ApprovalScheduler } from '../../../server/approvals/approval-scheduler.ts';
import { HttpError } from '../../../server/http/http-errors.ts';
import type { Database } from '../../../server/store/database.ts';
import { migrate } from '../../../server/store/migrate.ts';
import { openPgliteDatabase } from '../../../server/store/pglite-database.ts';
import { insertConnectionFixture, statementRequest } from './approval-fixtures.ts';
import { alice, bob, carol, dave, erin } from './principals.ts';

let db: Database;
let service: ApprovalService;
/** The audit log is append-only: each test looks at what it appended after this sequence number. */
let auditMark = 0;

beforeAll(async () => {
  db = await openPgliteDatabase();
  await migrate(db);
  await insertConnectionFixture(db);
  service = new ApprovalService({ db, graceMs: 1_000 });
});

beforeEach(async () => {
  await db.query('delete from approval_requests');
  await db.query('delete from server_events');
  await db.query("update connections set allowed_groups = '{analysts,admins,db-approvers,auditors}'");
  auditMark = Number((await db.query<{ seq: number | null }>('select max(seq) as seq from audit_log'))[0]?.seq ?? 0);
});

afterAll(async () => {
  await db.close();
});

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return { status: error.statusCode, message: error.message };
}

async function auditKinds(): Promise<string[]> {
  return (await db.query<{ kind: string }>('select kind from audit_log where seq > $1 order by seq', [auditMark])).map((r) => r.kind);
}

async function events(): Promise<Array<{ type: string; audience: unknown; state: string }>> {
  const rows = await db.query<{ type: string; audience: unknown; payload: { request: { state: string } } }>('select type, audience, payload from server_events order by id');
  return rows.map((r) => ({ type: r.type, audience: r.audience, state: r.payload.request.state }));
}

describe('creating a request', () => {
  it('binds the rule’s settings from the server’s policy, audits it and notifies approvers and requester', async () => {
    const request = await service.create(alice, statementRequest('writes', "update accounts set frozen = true where id = 7", { justification: '  ticket 42  ' }));
    expect(request).toMatchObject({
      state: 'pending',
      requester: 'alice',
      approverGroups: ['db-approvers'],
      minApprovals: 1,
      justification: 'ticket 42',
      policyVersion: 2,
      cannotDecideReason: 'you made this request',
    });
    expect(Date.parse(request.expiresAt) - Date.parse(request.createdAt)).toBe(15 * 60_000);
    expect(await auditKinds()).toEqual(['approval.requested']);
    expect(await events()).toEqual([
      { type: 'approval.requested', audience: { subjects: [], groups: ['db-approvers'], roles: [] }, state: 'pending' },
      { type: 'approval.updated', audience: { subjects: ['alice'], groups: [], roles: [] }, state: 'pending' },
    ]);
  });

  it('refuses auditors, people outside the allowed groups, unknown connections', async () => {
    expect(await refusal(service.create(carol, statementRequest('writes', 'delete from t')))).toEqual({ status: 403, message: 'auditors cannot request approvals' });
    await db.query("update connections set allowed_groups = '{db-approvers}'");
    expect((await refusal(service.create(alice, statementRequest('writes', 'delete from t')))).status).toBe(403);
    expect((await refusal(service.create(alice, statementRequest('writes', 'delete from t', { connection: 'nowhere' })))).status).toBe(404);
  });

  it('refuses a rule that is not an approve rule of the current version, an old version, a missing justification', async () => {
    expect(await refusal(service.create(alice, statementRequest('no-exports', 'copy t to stdout')))).toMatchObject({ status: 400, message: expect.stringMatching(/not "approve"/) });
    expect((await refusal(service.create(alice, statementRequest('invented', 'delete from t')))).status).toBe(400);
    // Version 1 had a rule alice's own group could approve: citing it must not work.
    expect(await refusal(service.create(alice, statementRequest('writes-loose', 'delete from t', { policyVersion: 1 })))).toMatchObject({ status: 409 });
    expect(await refusal(service.create(alice, statementRequest('justified', 'select pg_terminate_backend(1)')))).toEqual({ status: 400, message: 'rule "justified" requires a justification' });
    expect(await refusal(service.create(alice, statementRequest('justified', 'select pg_terminate_backend(1)', { justification: '   ' })))).toMatchObject({ status: 400 });
    expect(await auditKinds()).toEqual([]);
  });
});

describe('deciding', () => {
  it('enforces segregation of duties and approves on the first eligible approval', async () => {
    const { id } = await service.create(alice, statementRequest('writes', 'delete from t where id = 1'));
    expect(await refusal(service.decide(alice, id, { decision: 'approve', comment: '' }))).toEqual({ status: 403, message: 'you made this request' });
    expect((await refusal(service.decide(carol, id, { decision: 'approve', comment: '' }))).status).toBe(403);
    expect(await refusal(service.decide(dave, id, { decision: 'approve', comment: '' }))).toEqual({ status: 403, message: 'you are not in db-approvers' });
    const approved = await service.decide(bob, id, { decision: 'approve', comment: 'ok' });
    expect(approved).toMatchObject({ state: 'approved', decisions: [{ approver: 'bob', decision: 'approve', comment: 'ok' }], cannotDecideReason: 'already decided (already approved)' });
    expect(await refusal(service.decide(erin, id, { decision: 'deny', comment: '' }))).toMatchObject({ status: 409 });
    expect(await auditKinds()).toEqual(['approval.requested', 'approval.decided']);
    const last = (await events()).at(-1);
    expect(last).toEqual({ type: 'approval.updated', audience: { subjects: ['alice'], groups: ['db-approvers'], roles: [] }, state: 'approved' });
  });

  it('never lets an admin approve their own request', async () => {
    const { id } = await service.create(dave, statementRequest('writes', 'delete from t where id = 2'));
    expect(await refusal(service.decide(dave, id, { decision: 'approve', comment: '' }))).toEqual({ status: 403, message: 'you made this request' });
  });

  it('needs N different approvers; the same approver twice counts once', async () => {
    const { id } = await service.create(alice, statementRequest('ddl-two', 'drop table t'));
    expect(await service.decide(bob, id, { decision: 'approve', comment: '' })).toMatchObject({ state: 'pending' });
    expect(await refusal(service.decide(bob, id, { decision: 'approve', comment: 'again' }))).toEqual({ status: 409, message: 'you already approved this request' });
    expect((await service.get(alice, id)).state).toBe('pending');
    expect(await service.inbox(bob)).toEqual([]);
    expect((await service.inbox(erin)).map((r) => r.id)).toEqual([id]);
    expect(await service.decide(erin, id, { decision: 'approve', comment: '' })).toMatchObject({ state: 'approved' });
  });

  it('denies on one deny', async () => {
    const { id } = await service.create(alice, statementRequest('ddl-two', 'drop table u'));
    await service.decide(bob, id, { decision: 'approve', comment: '' });
    expect(await service.decide(erin, id, { decision: 'deny', comment: 'not on a Friday' })).toMatchObject({ state: 'denied' });
  });

  it('refuses a decision after the deadline even before the scheduler ran', async () => {
    const { id } = await service.create(alice, statementRequest('writes', 'delete from t where id = 3'));
    await db.query("update approval_requests set expires_at = now() - interval '1 second'");
    expect(await refusal(service.decide(bob, id, { decision: 'approve', comment: '' }))).toEqual({ status: 409, message: 'the request expired before it was decided' });
  });
});

describe('redeeming', () => {
  it('runs exactly the approved statement, once, from the same broker session, for the requester only', async () => {
    const input = statementRequest('writes', 'delete from t where id = 4');
    const { id } = await service.create(alice, input);
    const scope = input.scope.kind === 'statement' ? input.scope : null;
    const redeem = { statement: scope!.statement, fingerprint: scope!.fingerprint, brokerSessionId: 'session-1' };
    expect((await refusal(service.redeem(alice, id, redeem))).status).toBe(409);
    await service.decide(bob, id, { decision: 'approve', comment: '' });
    expect((await refusal(service.redeem(bob, id, redeem))).status).toBe(403);
    expect((await refusal(service.redeem(alice, id, { ...redeem, statement: 'delete from t' }))).status).toBe(403);
    expect((await refusal(service.redeem(alice, id, { ...redeem, fingerprint: 'other' }))).status).toBe(403);
    expect((await refusal(service.redeem(alice, id, { ...redeem, brokerSessionId: 'session-2' }))).status).toBe(403);
    expect(await service.redeem(alice, id, redeem)).toMatchObject({ state: 'executed' });
    expect(await refusal(service.redeem(alice, id, redeem))).toEqual({ status: 409, message: 'the approval was already used: it is single-use' });
    const kinds = await auditKinds();
    expect(kinds.filter((k) => k === 'approval.redeemed')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'approval.redeem_refused')).toHaveLength(6);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });
});

describe('session-scope approvals', () => {
  it('bind no statement: redeemed with empty statement and fingerprint, from the asking session', async () => {
    const { id } = await service.create(alice, statementRequest('writes', 'unused', { scope: { kind: 'session', durationMs: 3_600_000 } }));
    await service.decide(bob, id, { decision: 'approve', comment: '' });
    expect((await refusal(service.redeem(alice, id, { statement: 'rm -rf /', fingerprint: '', brokerSessionId: 'session-1' }))).status).toBe(403);
    expect(await service.redeem(alice, id, { statement: '', fingerprint: '', brokerSessionId: 'session-1' })).toMatchObject({
      state: 'executed',
      scope: { kind: 'session', durationMs: 3_600_000 },
    });
  });
});

describe('cancel, expiry and escalation', () => {
  it('lets only the requester cancel', async () => {
    const { id } = await service.create(alice, statementRequest('writes', 'delete from t where id = 5'));
    expect((await refusal(service.cancel(bob, id))).status).toBe(403);
    expect(await service.cancel(alice, id)).toMatchObject({ state: 'cancelled' });
    expect((await refusal(service.cancel(alice, id))).status).toBe(409);
  });

  it('expires overdue pending requests and lapsed approvals, and escalates to the escalation group', async () => {
    const pending = await service.create(alice, statementRequest('writes', 'delete from t where id = 6'));
    const approved = await service.create(alice, statementRequest('writes', 'delete from t where id = 7'));
    await service.decide(bob, approved.id, { decision: 'approve', comment: '' });
    const night = await service.create(alice, statementRequest('night', 'select * from payroll.salaries'));
    expect(await service.inbox(bob)).toHaveLength(1);

    await db.query("update approval_requests set expires_at = now() - interval '500 milliseconds' where id = $1", [pending.id]);
    await db.query("update approval_requests set expires_at = now() - interval '2 seconds' where id = $1", [approved.id]);
    await db.query("update approval_requests set escalate_at = now() - interval '1 millisecond' where id = $1", [night.id]);
    const scheduler = new ApprovalScheduler({ db, service, log: pino({ level: 'silent' }) });
    expect(await scheduler.runOnce()).toEqual({ expired: 2, escalated: 1, pruned: 0 });
    expect((await service.get(alice, pending.id)).state).toBe('expired');
    expect((await service.get(alice, approved.id)).state).toBe('expired');
    const escalated = await service.get(bob, night.id);
    expect(escalated).toMatchObject({ state: 'pending', escalated: true, cannotDecideReason: null });
    expect((await service.inbox(bob)).map((r) => r.id)).toEqual([night.id]);
    const requested = (await events()).filter((e) => e.type === 'approval.requested').at(-1);
    expect(requested?.audience).toEqual({ subjects: [], groups: ['db-approvers'], roles: [] });
    expect(await service.decide(bob, night.id, { decision: 'approve', comment: '' })).toMatchObject({ state: 'approved' });
    expect(await scheduler.runOnce()).toEqual({ expired: 0, escalated: 0, pruned: 0 });
  });

  it('prunes events older than the retention', async () => {
    await service.create(alice, statementRequest('writes', 'delete from t where id = 8'));
    await db.query("update server_events set created_at = now() - interval '2 days' where type = 'approval.requested'");
    const scheduler = new ApprovalScheduler({ db, service, log: pino({ level: 'silent' }) });
    expect((await scheduler.runOnce()).pruned).toBe(1);
    expect((await events()).map((e) => e.type)).toEqual(['approval.updated']);
  });
});

describe('reading', () => {
  it('lists mine newest first, shows requests to those who may read them, hides them from others', async () => {
    const first = await service.create(alice, statementRequest('writes', 'delete from t where id = 9'));
    const second = await service.create(alice, statementRequest('writes', 'delete from t where id = 10'));
    await service.create(dave, statementRequest('writes', 'delete from t where id = 11'));
    expect((await service.listMine(alice)).map((r) => r.id)).toEqual([second.id, first.id]);
    expect((await service.listAll(carol)).map((r) => r.requester)).toEqual(['dave', 'alice', 'alice']);
    expect((await refusal(service.listAll(alice))).status).toBe(403);
    expect(await service.get(carol, first.id)).toMatchObject({ cannotDecideReason: expect.stringMatching(/^auditors cannot decide/) });
    expect((await service.get(bob, first.id)).cannotDecideReason).toBeNull();
    const daves = (await service.listMine(dave))[0]!;
    expect((await refusal(service.get(alice, daves.id))).status).toBe(404);
    expect((await refusal(service.get(alice, 'not-a-uuid'))).status).toBe(404);
  });
});
