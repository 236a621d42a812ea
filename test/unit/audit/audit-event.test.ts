import { describe, expect, it } from 'vitest';
import { auditEventSchema } from '../../../shared/audit/audit-event.ts';
import { makeResultEvent, makeStatementEvent } from './make-audit-event.ts';

describe('auditEventSchema', () => {
  it('accepts a statement and the result that references it', () => {
    const statement = makeStatementEvent();
    expect(auditEventSchema.parse(statement)).toEqual(statement);
    const result = makeResultEvent(statement, { error: { sqlstate: '42P01', message: 'relation "x" does not exist' } });
    expect(auditEventSchema.parse(result)).toEqual(result);
  });

  it('requires the statement on a statement event', () => {
    const { statement: _omitted, ...withoutStatement } = makeStatementEvent();
    expect(auditEventSchema.safeParse(withoutStatement).success).toBe(false);
  });

  it('requires statementId on a statement_result event', () => {
    const { statementId: _omitted, ...orphan } = makeResultEvent(makeStatementEvent());
    expect(auditEventSchema.safeParse(orphan).success).toBe(false);
  });

  it('requires a UUIDv7 id, an ISO time and a well-formed SQLSTATE', () => {
    expect(auditEventSchema.safeParse(makeStatementEvent({ id: crypto.randomUUID() })).success).toBe(false);
    expect(auditEventSchema.safeParse(makeStatementEvent({ time: 'yesterday' })).success).toBe(false);
    const statement = makeStatementEvent();
    expect(auditEventSchema.safeParse(makeResultEvent(statement, { error: { sqlstate: 'oops', message: '' } })).success).toBe(false);
  });

  it('rejects unknown decisions and negative row counts', () => {
    expect(auditEventSchema.safeParse({ ...makeStatementEvent(), decision: 'maybe' }).success).toBe(false);
    expect(auditEventSchema.safeParse(makeResultEvent(makeStatementEvent(), { rows: -1 })).success).toBe(false);
  });
});

describe('newAuditEventId', () => {
  it('makes valid, strictly increasing UUIDv7 ids even within one millisecond', async () => {
    const { z } = await import('zod');
    const { newAuditEventId } = await import('../../../shared/audit/audit-event.ts');
    const ids = Array.from({ length: 2000 }, () => newAuditEventId());
    for (const id of ids) expect(z.uuid({ version: 'v7' }).safeParse(id).success).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
