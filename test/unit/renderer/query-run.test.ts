import { describe, expect, it } from 'vitest';
import { QueryEventRouter } from '../../../renderer/features/query/query-event-router.ts';
import { initialRunState, isActive, runReducer, type RunAction, type RunState } from '../../../renderer/features/query/query-run.ts';
import type { ApprovalRequest } from '../../../shared/api/approvals.ts';
import type { QueryEvent } from '../../../shared/bridge/query-bridge.ts';

function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: 'req-1',
    state: 'pending',
    connection: 'demo',
    requester: 'alice-sub',
    requesterName: 'alice',
    requesterMachine: false,
    scope: { kind: 'statement', statement: 'update t set x = 1', fingerprint: 'f', class: 'write' },
    rule: 'writes-need-approval',
    policyVersion: 1,
    justification: null,
    approverGroups: ['db-approvers'],
    escalationGroups: [],
    escalated: false,
    minApprovals: 1,
    decisions: [],
    createdAt: '2025-01-01T00:00:00Z',
    expiresAt: '2025-01-01T00:15:00Z',
    escalateAt: null,
    decidedAt: null,
    ...overrides,
  };
}

function play(actions: RunAction[], from: RunState = initialRunState): RunState {
  return actions.reduce(runReducer, from);
}

const started: RunAction[] = [
  { type: 'start', sql: 'update t set x = 1', justification: null },
  { type: 'started', queryId: 'q1', at: 1000 },
];
const ev = (event: QueryEvent): RunAction => ({ type: 'event', event });

describe('runReducer', () => {
  it('runs a SELECT to done, keeping the columns and notices', () => {
    const columns = [{ name: 'id', typeName: 'int4', masked: null }];
    const state = play([
      ...started,
      ev({ kind: 'columns', queryId: 'q1', columns }),
      ev({ kind: 'rows', queryId: 'q1', rows: [['1']], total: 1 }),
      ev({ kind: 'notice', queryId: 'q1', severity: 'NOTICE', message: 'hello' }),
      ev({ kind: 'done', queryId: 'q1', command: 'SELECT', rowCount: 1, durationMs: 12 }),
    ]);
    expect(state.run).toMatchObject({ phase: 'done', command: 'SELECT', rowCount: 1, durationMs: 12, request: null });
    expect(state.columns).toBe(columns);
    expect(state.notices).toEqual([{ severity: 'NOTICE', message: 'hello' }]);
  });

  it('waits for approval, then turns into the result when it arrives', () => {
    const waiting = play([...started, ev({ kind: 'waiting', queryId: 'q1', request: request() })]);
    expect(waiting.run.phase).toBe('waiting');
    expect(isActive(waiting.run)).toBe(true);
    const approved = request({ state: 'approved', decisions: [{ approver: 'bob-sub', approverName: 'bob', decision: 'approve', comment: 'ok', at: '2025-01-01T00:01:00Z' }] });
    const updated = runReducer(waiting, { type: 'request-changed', request: approved });
    expect(updated.run).toMatchObject({ phase: 'waiting', request: { state: 'approved' } });
    const done = play([ev({ kind: 'done', queryId: 'q1', command: 'UPDATE 1', rowCount: 1, durationMs: 40 })], updated);
    expect(done.run).toMatchObject({ phase: 'done', command: 'UPDATE 1', request: { id: 'req-1', state: 'approved' } });
  });

  it('leaves the wait state when rows come after approval', () => {
    const state = play([
      ...started,
      ev({ kind: 'waiting', queryId: 'q1', request: request() }),
      ev({ kind: 'columns', queryId: 'q1', columns: [] }),
    ]);
    expect(state.run).toMatchObject({ phase: 'running', request: { id: 'req-1' } });
  });

  it('keeps the request on a denial, so the pane can show the approver’s comment', () => {
    const state = play([
      ...started,
      ev({ kind: 'waiting', queryId: 'q1', request: request() }),
      ev({ kind: 'failed', queryId: 'q1', sqlstate: '42501', message: 'denied by bob', detail: null, hint: null, needsJustification: false, durationMs: 5000 }),
    ]);
    expect(state.run).toMatchObject({ phase: 'failed', error: { sqlstate: '42501', message: 'denied by bob' }, request: { id: 'req-1' } });
    const denied = request({ state: 'denied', decisions: [{ approver: 'b', approverName: 'bob', decision: 'deny', comment: 'not today', at: 'x' }] });
    expect(runReducer(state, { type: 'request-changed', request: denied }).run).toMatchObject({ phase: 'failed', request: { state: 'denied' } });
  });

  it('asks for a justification, then runs again with it', () => {
    const failed = play([...started, ev({ kind: 'failed', queryId: 'q1', sqlstate: '42501', message: 'needs a reason', detail: null, hint: 'say why', needsJustification: true, durationMs: 3 })]);
    expect(failed.run).toMatchObject({ phase: 'failed', needsJustification: true, sql: 'update t set x = 1' });
    const again = runReducer(failed, { type: 'start', sql: 'update t set x = 1', justification: 'ticket 42' });
    expect(again.run).toEqual({ phase: 'starting', sql: 'update t set x = 1', justification: 'ticket 42' });
  });

  it('ignores events of other queries and stale actions', () => {
    const running = play(started);
    expect(runReducer(running, ev({ kind: 'done', queryId: 'other', command: 'SELECT', rowCount: 0, durationMs: 1 }))).toBe(running);
    expect(runReducer(running, { type: 'started', queryId: 'q2', at: 5 })).toBe(running);
    expect(runReducer(initialRunState, { type: 'cancelling' })).toBe(initialRunState);
    expect(runReducer(running, { type: 'request-changed', request: request() })).toBe(running);
    // Rows alone change nothing the reducer tracks: no re-render per batch.
    expect(runReducer(running, ev({ kind: 'rows', queryId: 'q1', rows: [['1']], total: 1 }))).toBe(running);
  });

  it('marks cancelling, reports a failed start, and fails an active run when the link drops', () => {
    const cancelling = runReducer(play(started), { type: 'cancelling' });
    expect(cancelling.run).toMatchObject({ phase: 'running', cancelling: true });
    const startFailed = play([{ type: 'start', sql: 'x', justification: null }, { type: 'start-failed', message: 'cannot reach the broker' }]);
    expect(startFailed.run).toMatchObject({ phase: 'failed', queryId: null, error: { message: 'cannot reach the broker' } });
    const lost = runReducer(play(started), { type: 'link-lost' });
    expect(lost.run).toMatchObject({ phase: 'failed', queryId: 'q1' });
    const done = play([...started, ev({ kind: 'done', queryId: 'q1', command: 'SELECT', rowCount: 0, durationMs: 1 })]);
    expect(runReducer(done, { type: 'link-lost' })).toBe(done);
  });

  it('keeps only the latest notices', () => {
    let state = play(started);
    for (let i = 0; i < 80; i++) state = runReducer(state, ev({ kind: 'notice', queryId: 'q1', severity: 'NOTICE', message: `n${i}` }));
    expect(state.notices).toHaveLength(50);
    expect(state.notices.at(-1)?.message).toBe('n79');
  });
});

describe('QueryEventRouter', () => {
  const done = (queryId: string): QueryEvent => ({ kind: 'done', queryId, command: 'SELECT', rowCount: 0, durationMs: 1 });

  it('holds events that arrive before the id is claimed and replays them in order', () => {
    const router = new QueryEventRouter();
    router.deliver({ kind: 'columns', queryId: 'q1', columns: [] });
    router.deliver(done('q1'));
    const seen: string[] = [];
    router.claim('q1', (e) => seen.push(e.kind));
    router.deliver({ kind: 'notice', queryId: 'q1', severity: 'NOTICE', message: 'late' });
    expect(seen).toEqual(['columns', 'done', 'notice']);
    expect(router.heldIds).toBe(0);
  });

  it('routes by id and stops after release', () => {
    const router = new QueryEventRouter();
    const a: string[] = [];
    const b: string[] = [];
    const releaseA = router.claim('a', (e) => a.push(e.queryId));
    router.claim('b', (e) => b.push(e.queryId));
    router.deliver(done('a'));
    router.deliver(done('b'));
    releaseA();
    router.deliver(done('a'));
    expect(a).toEqual(['a']);
    expect(b).toEqual(['b']);
    expect(router.heldIds).toBe(1);
  });

  it('forgets unclaimed ids after the hold time and beyond the cap', () => {
    let now = 0;
    const router = new QueryEventRouter(1000, 3, () => now);
    router.deliver(done('old'));
    now = 2000;
    router.deliver(done('x1'));
    expect(router.heldIds).toBe(1);
    router.deliver(done('x2'));
    router.deliver(done('x3'));
    router.deliver(done('x4'));
    expect(router.heldIds).toBe(3);
    const seen: string[] = [];
    router.claim('x1', (e) => seen.push(e.queryId));
    expect(seen).toEqual([]);
  });
});
