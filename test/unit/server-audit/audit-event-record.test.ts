import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/api/identity.ts';
import { auditEventSchema } from '../../../shared/audit/audit-event.ts';
import { auditRecordFromEvent } from '../../../server/audit/audit-event-record.ts';
import { makeResultEvent, makeStatementEvent } from '../audit/make-audit-event.ts';

const alice: Principal = { subject: 'alice-sub', name: 'alice', groups: ['analysts'], roles: ['analyst'], approverGroups: [], machine: false };
const agent: Principal = { subject: 'gatehouse-agent', name: 'gatehouse-agent', groups: [], roles: ['analyst'], approverGroups: [], machine: true };

describe('auditRecordFromEvent', () => {
  it('maps a statement event onto the record columns and keeps the whole event', () => {
    const event = makeStatementEvent({ actor: { user: 'alice', kind: 'human', localUser: 'al' } });
    const record = auditRecordFromEvent(event, alice, 'broker-7');
    expect(record).toEqual({
      id: event.id,
      time: event.time,
      source: 'broker',
      kind: 'statement',
      actor: 'alice',
      actorMachine: false,
      connection: 'orders-prod',
      statementClass: 'read',
      decision: 'allow',
      text: 'SELECT id, email FROM customers WHERE id = $1',
      event: { ...event, brokerId: 'broker-7' },
    });
    // Honest claims add nothing.
    expect(record.event).not.toHaveProperty('claimedActor');
  });

  it('has no statement text or class for a statement_result', () => {
    const statement = makeStatementEvent({ actor: { user: 'alice', kind: 'human', localUser: 'al' } });
    const result = makeResultEvent(statement, { decision: 'error', error: { sqlstate: '42P01', message: 'no such table' } });
    const record = auditRecordFromEvent(result, alice, 'b');
    expect(record).toMatchObject({ kind: 'statement_result', statementClass: null, text: null, decision: 'error', connection: 'orders-prod' });
    expect(record.event).toMatchObject({ statementId: statement.id, rows: 3, error: { sqlstate: '42P01' } });
  });

  it('records the caller, not whoever the event claims, and keeps the claim beside it', () => {
    const event = makeStatementEvent({ actor: { user: 'bob', kind: 'human', localUser: 'bobby' } });
    const record = auditRecordFromEvent(event, alice, 'b');
    expect(record.actor).toBe('alice');
    expect(record.actorMachine).toBe(false);
    expect(record.event).toMatchObject({
      actor: { user: 'alice', kind: 'human', localUser: 'bobby' },
      claimedActor: { user: 'bob', kind: 'human' },
    });
  });

  it('takes machine from the token: a machine token cannot pass for a human, nor a human for a machine', () => {
    const claimsHuman = makeStatementEvent({ actor: { user: 'gatehouse-agent', kind: 'human', localUser: 'ci' } });
    const fromAgent = auditRecordFromEvent(claimsHuman, agent, 'ci-broker');
    expect(fromAgent).toMatchObject({ actor: 'gatehouse-agent', actorMachine: true });
    expect(fromAgent.event).toMatchObject({ actor: { kind: 'machine' }, claimedActor: { user: 'gatehouse-agent', kind: 'human' } });

    const claimsMachine = makeStatementEvent({ actor: { user: 'alice', kind: 'machine', localUser: 'al' } });
    const fromAlice = auditRecordFromEvent(claimsMachine, alice, 'b');
    expect(fromAlice).toMatchObject({ actor: 'alice', actorMachine: false });
    expect(fromAlice.event).toMatchObject({ actor: { kind: 'human' }, claimedActor: { kind: 'machine' } });
  });

  it('stores an event that still reads as an AuditEvent', () => {
    const event = makeStatementEvent({ actor: { user: 'mallory', kind: 'human', localUser: 'm' } });
    const stored = auditRecordFromEvent(event, alice, 'b').event;
    const reread = auditEventSchema.parse(stored);
    expect(reread.actor.user).toBe('alice');
    expect(reread.id).toBe(event.id);
  });
});
