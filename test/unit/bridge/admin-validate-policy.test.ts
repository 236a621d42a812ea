import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../../broker/bridge/policy-validation.ts';
import { validatePolicyResultSchema } from '../../../shared/bridge/admin-bridge.ts';

const GOOD = `version: 1
connection: crm
default: block
rules:
  - name: reads
    when: { class: [read] }
    action: allow
`;

describe('admin.validatePolicy', () => {
  it('accepts a valid policy, with or without the connection it is edited for', () => {
    expect(validatePolicy(GOOD)).toEqual({ ok: true, errors: [] });
    expect(validatePolicy(GOOD, 'crm')).toEqual({ ok: true, errors: [] });
  });

  it('maps each schema problem to the line, column and path of the node that causes it', () => {
    const result = validatePolicy(GOOD.replace('action: allow', 'action: permit').replace('default: block', 'default: block\nextra: 1'));
    expect(validatePolicyResultSchema.parse(result)).toEqual(result);
    expect(result.ok).toBe(false);
    expect(result.errors).toHaveLength(2);
    const [unknown, action] = result.errors;
    expect(unknown).toEqual({ line: 4, column: 1, path: 'extra', message: 'unknown key "extra"' });
    expect(action).toMatchObject({ line: 8, column: 13, path: 'rules.0.action' });
    expect(action!.message).toMatch(/allow|block|approve/);
  });

  it('reports YAML syntax errors at their position with an empty path', () => {
    const result = validatePolicy('version: 1\nconnection: [crm\n');
    expect(result.ok).toBe(false);
    expect(result.errors.length).toBeGreaterThan(0);
    for (const error of result.errors) {
      expect(error.path).toBe('');
      expect(error.line).toBeGreaterThanOrEqual(1);
      expect(error.column).toBeGreaterThanOrEqual(1);
      expect(error.message).not.toContain('\n');
    }
  });

  it('points at the connection value when the policy was written for another connection', () => {
    expect(validatePolicy(GOOD, 'billing')).toEqual({
      ok: false,
      errors: [{ line: 2, column: 13, path: 'connection', message: 'the policy is for connection "crm", not "billing"' }],
    });
  });

  it('reports a missing required field at the document, not nowhere', () => {
    const result = validatePolicy('version: 1\ndefault: block\n');
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([expect.objectContaining({ path: 'connection', line: 1, column: 1 })]);
  });
});
