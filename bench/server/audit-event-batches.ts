import { randomUUID } from 'node:crypto';
import { newAuditEventId } from '../../shared/audit/audit-event.ts';
import type { AuditEvent } from '../../shared/audit/audit-event.ts';

const TABLES = ['public.orders', 'public.customers', 'sales.invoices', 'public.events'];

/**
 * What a busy broker's spool holds: statements and their results, in pairs, as a broker writes
 * them (the `statement` record first, its `statement_result` pointing back at it). Every id is
 * new, so the server stores every event rather than counting duplicates.
 */
export function generateAuditBatch(size: number, actor: string, sessionId: string = randomUUID()): AuditEvent[] {
  const events: AuditEvent[] = [];
  while (events.length < size) {
    const n = events.length;
    const table = TABLES[n % TABLES.length]!;
    const statementId = newAuditEventId();
    const time = new Date().toISOString();
    const write = n % 8 === 0;
    events.push({
      id: statementId,
      time,
      kind: 'statement',
      actor: { user: actor, kind: 'human', localUser: 'bench' },
      connection: 'bench',
      sessionId,
      statement: {
        text: write ? `update ${table} set note = 'checked' where id = ${n}` : `select id, created_at, amount from ${table} where id > ${n} order by id limit 100`,
        fingerprint: write ? 'a1b2c3d4e5f60718' : '0f1e2d3c4b5a6978',
        class: write ? 'write' : 'read',
        protocol: n % 3 === 0 ? 'extended' : 'simple',
      },
      rule: write ? 'writes-need-approval' : null,
      decision: 'allow',
    });
    if (events.length >= size) break;
    events.push({
      id: newAuditEventId(),
      time,
      kind: 'statement_result',
      actor: { user: actor, kind: 'human', localUser: 'bench' },
      connection: 'bench',
      sessionId,
      statementId,
      rule: write ? 'writes-need-approval' : null,
      decision: 'allow',
      rows: write ? 1 : 100,
      durationMs: 1.25,
      maskedColumns: n % 4 === 0 ? ['public.customers.email'] : [],
    });
  }
  return events;
}
