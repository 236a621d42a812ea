import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allowAllPolicy, formatPolicyErrors, parsePolicyText } from '../../../shared/policy/parse-policy.ts';
import type { PolicyError } from '../../../shared/policy/parse-policy.ts';

const examplesDir = new URL('../../../examples/policies/', import.meta.url);

function errorsOf(text: string): PolicyError[] {
  const result = parsePolicyText(text);
  if (result.ok) throw new Error('expected the policy to be rejected');
  return result.errors;
}

const HEADER = 'version: 1\nconnection: analytics\ndefault: block\n';

describe('parsePolicyText', () => {
  it('parses the analytics example with every field', () => {
    const result = parsePolicyText(readFileSync(new URL('analytics.yaml', examplesDir), 'utf8'));
    if (!result.ok) throw new Error(formatPolicyErrors('analytics.yaml', result.errors));
    const policy = result.policy;
    expect(policy.connection).toBe('analytics');
    expect(policy.default).toBe('block');
    expect(policy.audit).toBe('durable');
    expect(policy.approval_wait).toBe(true);
    expect(policy.rules.map((rule) => rule.name)).toEqual(['payroll-off-limits', 'exports-need-approval', 'reads', 'writes-need-approval', 'everything-else']);
    expect(policy.rules[0]).toEqual({ name: 'payroll-off-limits', when: { relations: ['payroll.*'] }, action: 'block', message: 'payroll is not reachable through Gatehouse' });
    expect(policy.rules[3]).toMatchObject({ approvers: ['db-approvers'], min_approvals: 1, expires_after: '15m', escalate_after: '5m', escalate_to: ['db-leads'], require_justification: true });
    expect(policy.limits.max_rows).toBe(10000);
    expect(policy.masking.columns).toEqual({ 'public.customers.email': 'partial', 'public.customers.ssn': 'redact', '*.card_number': 'last4' });
    expect(policy.masking.detectors).toEqual(['email', 'credit_card', 'ssn', 'phone', 'secret_token', 'jwt', 'iban']);
    expect(policy.masking.scan).toBe('all');
  });

  it('parses the allow-all example and fills in defaults', () => {
    const result = parsePolicyText(readFileSync(new URL('allow-all.yaml', examplesDir), 'utf8'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy).toMatchObject({ default: 'allow', audit: 'durable', approval_wait: true, rules: [] });
    expect(result.policy.masking).toEqual({ columns: {}, detectors: [], detector_styles: {}, scan: 'all' });
  });

  it('reports a wrong action at the line and column of its value', () => {
    const errors = errorsOf(`${HEADER}rules:\n  - name: reads\n    when: { class: [read] }\n    action: permit\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 7, column: 13, path: 'rules.0.action' });
    expect(errors[0]?.message).toMatch(/allow.*block.*approve/);
  });

  it('reports approve without approvers at the action', () => {
    const errors = errorsOf(`${HEADER}rules:\n  - name: ok\n    when: {}\n    action: allow\n  - name: writes\n    when: { class: [write] }\n    action: approve\n`);
    expect(errors).toEqual([{ line: 10, column: 13, path: 'rules.1.action', message: 'action "approve" needs a non-empty approvers list' }]);
  });

  it('reports an empty approvers list at the list', () => {
    const errors = errorsOf(`${HEADER}rules:\n  - name: writes\n    when: { class: [write] }\n    action: approve\n    approvers: []\n`);
    expect(errors).toMatchObject([{ line: 8, column: 16, path: 'rules.0.approvers' }]);
  });

  it('reports unknown keys at the key, at any depth', () => {
    const errors = errorsOf(`${HEADER}colour: red\nrules:\n  - name: reads\n    when: { class: [read], statement_matches: "^select" }\n    action: allow\n`);
    expect(errors).toEqual([
      { line: 4, column: 1, path: 'colour', message: 'unknown key "colour"' },
      { line: 7, column: 28, path: 'rules.0.when.statement_matches', message: 'unknown key "statement_matches"' },
    ]);
  });

  it('reports a bad duration at its value', () => {
    const errors = errorsOf(`${HEADER}rules:\n  - name: writes\n    when: { class: [write] }\n    action: approve\n    approvers: [dba]\n    expires_after: 15 minutes\n`);
    expect(errors).toMatchObject([{ line: 9, column: 20, path: 'rules.0.expires_after' }]);
    expect(errors[0]?.message).toMatch(/duration/);
  });

  it('rejects approval settings on rules that do not approve, and escalation without a target', () => {
    const errors = errorsOf(
      `${HEADER}rules:\n  - name: reads\n    when: {}\n    action: allow\n    approvers: [dba]\n  - name: writes\n    when: {}\n    action: approve\n    approvers: [dba]\n    escalate_after: 5m\n`,
    );
    expect(errors.map((error) => [error.path, error.line])).toEqual([
      ['rules.0.approvers', 8],
      ['rules.1.escalate_after', 13],
    ]);
  });

  it('rejects escalation that would come after expiry', () => {
    const errors = errorsOf(`${HEADER}rules:\n  - name: w\n    when: {}\n    action: approve\n    approvers: [a]\n    escalate_after: 20m\n    escalate_to: [b]\n`);
    expect(errors).toMatchObject([{ path: 'rules.0.escalate_after', line: 9 }]);
  });

  it('reports a missing required field at the object that lacks it', () => {
    const errors = errorsOf('version: 1\ndefault: allow\n');
    expect(errors).toMatchObject([{ line: 1, column: 1, path: 'connection' }]);
  });

  it('rejects bad globs, unknown detectors and unknown mask styles', () => {
    const errors = errorsOf(
      `${HEADER}rules:\n  - name: a\n    when: { relations: ["db.schema.table"] }\n    action: block\nmasking:\n  columns: { "a..b": redact, "x.y": scramble }\n  detectors: [email, passport]\n`,
    );
    expect(errors.map((error) => [error.path, error.line])).toEqual([
      ['rules.0.when.relations.0', 6],
      ['masking.columns.a..b', 9],
      ['masking.columns.x.y', 9],
      ['masking.detectors.1', 10],
    ]);
  });

  it('rejects duplicate rule names at the second one', () => {
    const errors = errorsOf(`${HEADER}rules:\n  - name: a\n    when: {}\n    action: block\n  - name: a\n    when: {}\n    action: allow\n`);
    expect(errors).toEqual([{ line: 8, column: 11, path: 'rules.1.name', message: 'rule name "a" is used twice' }]);
  });

  it('requires default_approval when the default is approve, and only then', () => {
    expect(errorsOf('version: 1\nconnection: c\ndefault: approve\n')).toMatchObject([{ path: 'default', line: 3 }]);
    expect(errorsOf(`${HEADER}default_approval: { approvers: [dba] }\n`)).toMatchObject([{ path: 'default_approval', line: 4 }]);
    expect(parsePolicyText('version: 1\nconnection: c\ndefault: approve\ndefault_approval: { approvers: [dba] }\n').ok).toBe(true);
  });

  it('reports YAML syntax errors with their position', () => {
    const errors = errorsOf('version: 1\nrules: [\n  - a\n');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.line).toBeGreaterThanOrEqual(2);
    expect(errors[0]?.path).toBe('');
  });

  it('rejects duplicate keys and an empty document', () => {
    expect(errorsOf(`${HEADER}default: allow\n`)[0]).toMatchObject({ line: 4, column: 1 });
    expect(errorsOf('')).toMatchObject([{ line: 1, column: 1, path: '' }]);
  });
});

describe('formatPolicyErrors', () => {
  it('prints one file:line:column path: message per error', () => {
    const text = formatPolicyErrors('policy.yaml', [
      { line: 12, column: 5, path: 'rules.1.action', message: 'Invalid option' },
      { line: 1, column: 1, path: '', message: 'bad YAML' },
    ]);
    expect(text).toBe('policy.yaml:12:5 rules.1.action: Invalid option\npolicy.yaml:1:1 bad YAML');
  });
});

describe('allowAllPolicy', () => {
  it('allows everything, audits durably and masks nothing', () => {
    const policy = allowAllPolicy('sandbox');
    expect(policy).toMatchObject({ version: 1, connection: 'sandbox', default: 'allow', audit: 'durable', approval_wait: true, rules: [] });
    expect(policy.masking.detectors).toEqual([]);
    expect(policy.masking.columns).toEqual({});
  });
});
