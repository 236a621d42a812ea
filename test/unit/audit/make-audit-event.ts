import { newAuditEventId, type AuditEvent } from '../../../shared/audit/audit-event.ts';

/** A valid `statement` event; tests override what they look at. */
export function makeStatementEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: newAuditEventId(),
    time: new Date().toISOString(),
    kind: 'statement',
    actor: { user: 'alice@example.com', kind: 'human', localUser: 'alice' },
    connection: 'orders-prod',
    sessionId: 'session-1',
    statement: {
      text: 'SELECT id, email FROM customers WHERE id = $1',
      fingerprint: 'a0b1c2d3e4f5',
      class: 'read',
      protocol: 'extended',
    },
    rule: 'analysts-read',
    decision: 'allow',
    ...overrides,
  };
}

export function makeResultEvent(statement: AuditEvent, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: newAuditEventId(),
    time: new Date().toISOString(),
    kind: 'statement_result',
    actor: statement.actor,
    connection: statement.connection,
    sessionId: statement.sessionId,
    statementId: statement.id,
    rule: statement.rule,
    decision: statement.decision,
    rows: 3,
    durationMs: 4.2,
    maskedColumns: ['email'],
    ...overrides,
  };
}
