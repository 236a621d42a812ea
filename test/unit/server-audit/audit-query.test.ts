import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/api/identity.ts';
import { auditWhere } from '../../../server/audit/audit-query.ts';
import { auditSelectionFor, mayReadWholeAuditLog } from '../../../server/audit/audit-visibility.ts';
import { HttpError } from '../../../server/http/http-errors.ts';

const person = (roles: Principal['roles'], name = 'alice', subject = 'sub-alice'): Principal => ({
  subject,
  name,
  groups: [],
  roles,
  approverGroups: [],
  machine: false,
});

describe('who reads what', () => {
  it('lets auditors and admins read everything, and nobody else', () => {
    expect(mayReadWholeAuditLog(person(['auditor']))).toBe(true);
    expect(mayReadWholeAuditLog(person(['admin']))).toBe(true);
    expect(mayReadWholeAuditLog(person(['analyst', 'approver']))).toBe(false);
    expect(mayReadWholeAuditLog(person([]))).toBe(false);
  });

  it("limits everyone else to their own name and subject, on top of any user filter they give", () => {
    expect(auditSelectionFor(person(['auditor']), { user: 'bob' })).toEqual({ filters: { user: 'bob' }, onlyActors: null });
    const limited = auditSelectionFor(person(['approver']), { user: 'bob' });
    expect(limited.onlyActors).toEqual(['alice', 'sub-alice']);
    expect(auditWhere(limited)).toEqual({ conditions: ['actor = any($1::text[])', 'actor = $2'], params: [['alice', 'sub-alice'], 'bob'] });
    expect(auditSelectionFor(person(['analyst'], 'same', 'same'), {}).onlyActors).toEqual(['same']);
  });
});

describe('auditWhere', () => {
  it('turns every filter into a parameter, never into SQL text', () => {
    const { conditions, params } = auditWhere({
      filters: { connection: "x' or 1=1 --", class: 'read', decision: 'block', kind: 'statement', from: '2026-01-01', to: '2026-02-01T00:00:00+02:00', text: '50%_off' },
      onlyActors: null,
    });
    expect(conditions).toEqual([
      'connection = $1',
      'statement_class = $2',
      'decision = $3',
      'kind = $4',
      'time >= $5::timestamptz',
      'time < $6::timestamptz',
      'strpos(lower(text), lower($7)) > 0',
    ]);
    expect(params).toEqual(["x' or 1=1 --", 'read', 'block', 'statement', '2026-01-01T00:00:00.000Z', '2026-01-31T22:00:00.000Z', '50%_off']);
  });

  it('selects everything without filters and ignores an empty text filter', () => {
    expect(auditWhere({ filters: { text: '' }, onlyActors: null })).toEqual({ conditions: [], params: [] });
  });

  it('refuses a time that is not a time with a 400', () => {
    for (const filters of [{ from: 'last tuesday' }, { to: '2026-13-45' }]) {
      let error: unknown;
      try {
        auditWhere({ filters, onlyActors: null });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).statusCode).toBe(400);
    }
  });
});
