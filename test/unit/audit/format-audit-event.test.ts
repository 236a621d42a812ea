import { describe, expect, it } from 'vitest';
import { formatAuditEvent } from '../../../broker/audit/format-audit-event.ts';
import { makeResultEvent, makeStatementEvent } from './make-audit-event.ts';

describe('formatAuditEvent', () => {
  it('shows who, where, the decision, class, rule and statement on one line', () => {
    const event = makeStatementEvent({ time: '2025-03-04T05:06:07.089Z' });
    const line = formatAuditEvent(event);
    expect(line).toBe(
      `2025-03-04T05:06:07.089Z  stmt  alice@example.com (alice)  conn=orders-prod  ALLOW  read  rule=analysts-read  #${event.id.slice(-8)}  SELECT id, email FROM customers WHERE id = $1`,
    );
  });

  it('shows rows, duration, masking and errors of a result, paired with its statement', () => {
    const statement = makeStatementEvent();
    const line = formatAuditEvent(
      makeResultEvent(statement, {
        rows: 12,
        durationMs: 3.25,
        maskedColumns: ['email', 'ssn'],
        error: { sqlstate: '57014', message: 'canceling statement due to user request' },
      }),
    );
    expect(line).toContain('  result  ');
    expect(line).toContain(`of=#${statement.id.slice(-8)}`);
    expect(line).toContain('rows=12');
    expect(line).toContain('3.3ms');
    expect(line).toContain('masked=email,ssn');
    expect(line).toContain('error=57014 "canceling statement due to user request"');
  });

  it('marks machine actors and a missing rule', () => {
    const line = formatAuditEvent(
      makeStatementEvent({ actor: { user: 'ci-bot', kind: 'machine', localUser: '' }, rule: null, decision: 'block' }),
    );
    expect(line).toContain('  ci-bot [machine]  ');
    expect(line).toContain('  BLOCK  ');
    expect(line).toContain('rule=-');
  });

  it('keeps the line on one line and truncates the statement to 200 characters', () => {
    const text = `SELECT 1\nFROM t\r\nWHERE x = '${'é'.repeat(400)}'`;
    const line = formatAuditEvent(makeStatementEvent({ statement: { text, fingerprint: 'f', class: 'read', protocol: 'simple' } }));
    expect(line).not.toMatch(/[\r\n]/);
    const preview = line.slice(line.indexOf('SELECT'));
    expect(preview.startsWith('SELECT 1⏎FROM t⏎WHERE')).toBe(true);
    expect(Array.from(preview)).toHaveLength(201);
    expect(preview.endsWith('é…')).toBe(true);
  });

  it('neutralises terminal escape sequences and bidi overrides in attacker-controlled text', () => {
    const text = "SELECT '\u001b[2J\u001b[31mfake' -- \u202edrop table";
    const line = formatAuditEvent(
      makeStatementEvent({ statement: { text, fingerprint: 'f', class: 'read', protocol: 'simple' }, connection: 'db\u0007' }),
    );
    expect(Array.from(line).filter((char) => char < ' ' || char === '\u202e')).toEqual([]);
    expect(line).toContain('\\u{1b}[2J');
    expect(line).toContain('\\u{202e}drop');
    expect(line).toContain('conn=db\\u{7}');
  });
});
