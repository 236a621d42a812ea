import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateStatement } from '../../../shared/policy/evaluate.ts';
import type { EvaluationContext } from '../../../shared/policy/evaluate.ts';
import { parsePolicyText } from '../../../shared/policy/parse-policy.ts';
import type { PolicyDocument } from '../../../shared/policy/policy-document.ts';

// A stand-in for the SQL classifier's SqlClassification, with all of its fields, so these
// tests also show that a classifier result can be handed to the evaluator as it is.
type StatementClass = 'read' | 'control' | 'write' | 'ddl' | 'dangerous' | 'unknown';
interface RelationRef {
  schema: string | null;
  name: string;
}
interface SqlClassificationDouble {
  class: StatementClass;
  export: boolean;
  relationsRead: RelationRef[];
  relationsWritten: RelationRef[];
  functions: string[];
  fingerprint: string;
  statements: { class: StatementClass }[];
}

function classified(fields: Partial<SqlClassificationDouble> & { class: StatementClass }): SqlClassificationDouble {
  return { export: false, relationsRead: [], relationsWritten: [], functions: [], fingerprint: 'f', statements: [{ class: fields.class }], ...fields };
}

function rel(qualified: string): RelationRef {
  const dot = qualified.indexOf('.');
  return dot === -1 ? { schema: null, name: qualified } : { schema: qualified.slice(0, dot), name: qualified.slice(dot + 1) };
}

function policyFrom(text: string): PolicyDocument {
  const result = parsePolicyText(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

const analytics = policyFrom(readFileSync(new URL('../../../examples/policies/analytics.yaml', import.meta.url), 'utf8'));
const publicPath: EvaluationContext = { searchPath: ['public'] };

describe('evaluateStatement with the analytics example', () => {
  it('allows reads and control statements', () => {
    const decision = evaluateStatement(analytics, classified({ class: 'read', relationsRead: [rel('public.orders')] }), publicPath);
    expect(decision).toEqual({
      action: 'allow',
      ruleName: 'reads',
      message: 'allowed by rule "reads"',
      approvers: [],
      minApprovals: 0,
      expiresAfterMs: 0,
      escalateAfterMs: null,
      escalateTo: [],
      requireJustification: false,
    });
    expect(evaluateStatement(analytics, classified({ class: 'control' }), publicPath).ruleName).toBe('reads');
  });

  it('first match wins: payroll is blocked even for a read, with the rule named and its message', () => {
    const decision = evaluateStatement(analytics, classified({ class: 'read', relationsRead: [rel('public.orders'), rel('payroll.salaries')] }), publicPath);
    expect(decision.action).toBe('block');
    expect(decision.ruleName).toBe('payroll-off-limits');
    expect(decision.message).toBe('blocked by rule "payroll-off-limits": payroll is not reachable through Gatehouse');
  });

  it('first match wins: an export is sent for approval before the read rule allows it', () => {
    const decision = evaluateStatement(analytics, classified({ class: 'read', export: true, relationsRead: [rel('public.orders')] }), publicPath);
    expect(decision).toMatchObject({ action: 'approve', ruleName: 'exports-need-approval', approvers: ['db-approvers'], minApprovals: 1, expiresAfterMs: 15 * 60_000, escalateAfterMs: null });
    expect(decision.message).toBe('approval required by rule "exports-need-approval"');
  });

  it('writes need approval with the rule settings', () => {
    const decision = evaluateStatement(analytics, classified({ class: 'write', relationsWritten: [rel('public.orders')] }), publicPath);
    expect(decision).toEqual({
      action: 'approve',
      ruleName: 'writes-need-approval',
      message: 'approval required by rule "writes-need-approval"',
      approvers: ['db-approvers'],
      minApprovals: 1,
      expiresAfterMs: 900_000,
      escalateAfterMs: 300_000,
      escalateTo: ['db-leads'],
      requireJustification: true,
    });
  });

  it('blocks DDL, dangerous and unknown statements by the catch-all rule', () => {
    for (const statementClass of ['ddl', 'dangerous', 'unknown'] as const) {
      const decision = evaluateStatement(analytics, classified({ class: statementClass }), publicPath);
      expect(decision.action, statementClass).toBe('block');
      expect(decision.message).toBe('blocked by rule "everything-else"');
    }
  });

  it('a write to payroll is blocked, not sent for approval', () => {
    const decision = evaluateStatement(analytics, classified({ class: 'write', relationsWritten: [rel('payroll.salaries')] }), publicPath);
    expect(decision.ruleName).toBe('payroll-off-limits');
  });
});

describe('unqualified relations and search_path', () => {
  const statement = classified({ class: 'read', relationsRead: [rel('salaries')] });

  it('match a block rule when any schema on the search_path would match', () => {
    expect(evaluateStatement(analytics, statement, { searchPath: ['public'] }).ruleName).toBe('reads');
    expect(evaluateStatement(analytics, statement, { searchPath: ['public', 'payroll'] }).ruleName).toBe('payroll-off-limits');
    expect(evaluateStatement(analytics, statement, { searchPath: ['payroll', 'public'] }).ruleName).toBe('payroll-off-limits');
  });

  it('match a block rule when the search_path is unknown', () => {
    expect(evaluateStatement(analytics, statement, { searchPath: [] }).ruleName).toBe('payroll-off-limits');
  });

  it('match an allow rule only when every schema on the search_path would match', () => {
    const policy = policyFrom(
      'version: 1\nconnection: c\ndefault: block\nrules:\n  - name: public-reads\n    when: { class: [read], relations: ["public.*"] }\n    action: allow\n',
    );
    expect(evaluateStatement(policy, statement, { searchPath: ['public'] }).action).toBe('allow');
    expect(evaluateStatement(policy, statement, { searchPath: ['public', 'sales'] }).action).toBe('block');
    expect(evaluateStatement(policy, statement, { searchPath: [] }).action).toBe('block');
  });

  it('resolve pg_* relations against pg_catalog as well', () => {
    const policy = policyFrom('version: 1\nconnection: c\ndefault: allow\nrules:\n  - name: no-catalog\n    when: { relations: ["pg_catalog.pg_auth*"] }\n    action: block\n');
    expect(evaluateStatement(policy, classified({ class: 'read', relationsRead: [rel('pg_authid')] }), publicPath).action).toBe('block');
    expect(evaluateStatement(policy, classified({ class: 'read', relationsRead: [rel('pg_authid')] }), { searchPath: ['app', 'public'] }).ruleName).toBe('no-catalog');
    expect(evaluateStatement(policy, classified({ class: 'read', relationsRead: [rel('authors')] }), publicPath).action).toBe('allow');
  });
});

describe('rule conditions', () => {
  const policy = policyFrom(`version: 1
connection: c
default: allow
rules:
  - name: no-file-access
    when: { functions: ["pg_read_*", "lo_*"] }
    action: block
    message: file access is not allowed
  - name: customer-writes
    when: { class: [write], relations: ["*.customer*"] }
    action: approve
    approvers: [support-leads, dba]
    min_approvals: 2
    expires_after: 1h
  - name: public-reads-only
    when: { class: [read], relations: [public.*, reporting.*] }
    action: allow
  - name: other-reads
    when: { class: [read] }
    action: approve
    approvers: [dba]
`);

  it('functions match by glob, qualified or not, and unqualified ones also as pg_catalog', () => {
    expect(evaluateStatement(policy, classified({ class: 'read', functions: ['pg_read_file'] }), publicPath).ruleName).toBe('no-file-access');
    expect(evaluateStatement(policy, classified({ class: 'read', functions: ['pg_catalog.pg_read_binary_file'] }), publicPath).ruleName).toBe('no-file-access');
    expect(evaluateStatement(policy, classified({ class: 'read', functions: ['now', 'lower'] }), publicPath).ruleName).toBe('other-reads');
  });

  it('all conditions must hold: class and relations together', () => {
    const write = classified({ class: 'write', relationsWritten: [rel('crm.customers')] });
    expect(evaluateStatement(policy, write, publicPath)).toMatchObject({ ruleName: 'customer-writes', minApprovals: 2, expiresAfterMs: 3_600_000, approvers: ['support-leads', 'dba'] });
    const read = classified({ class: 'read', relationsRead: [rel('crm.customers')] });
    expect(evaluateStatement(policy, read, publicPath).ruleName).toBe('other-reads');
  });

  it('an allow rule with relations needs every relation to match, and at least one', () => {
    const onlyPublic = classified({ class: 'read', relationsRead: [rel('public.orders'), rel('reporting.daily')] });
    expect(evaluateStatement(policy, onlyPublic, publicPath).ruleName).toBe('public-reads-only');
    const mixed = classified({ class: 'read', relationsRead: [rel('public.orders'), rel('hr.people')] });
    expect(evaluateStatement(policy, mixed, publicPath).ruleName).toBe('other-reads');
    const none = classified({ class: 'read' });
    expect(evaluateStatement(policy, none, publicPath).ruleName).toBe('other-reads');
  });

  it('relation globs compare names case-insensitively', () => {
    const upper = classified({ class: 'write', relationsWritten: [rel('CRM.Customers')] });
    expect(evaluateStatement(policy, upper, publicPath).ruleName).toBe('customer-writes');
  });

  it('export: false matches only statements that do not export', () => {
    const exports = policyFrom('version: 1\nconnection: c\ndefault: block\nrules:\n  - name: plain-reads\n    when: { class: [read], export: false }\n    action: allow\n');
    expect(evaluateStatement(exports, classified({ class: 'read' }), publicPath).action).toBe('allow');
    expect(evaluateStatement(exports, classified({ class: 'read', export: true }), publicPath).action).toBe('block');
  });
});

describe('policy default', () => {
  it('decides when no rule matches, with ruleName null', () => {
    const policy = policyFrom('version: 1\nconnection: c\ndefault: block\n');
    expect(evaluateStatement(policy, classified({ class: 'read' }), publicPath)).toMatchObject({ action: 'block', ruleName: null, message: 'blocked by the policy default (no rule matched)' });
  });

  it('approve default uses default_approval', () => {
    const policy = policyFrom('version: 1\nconnection: c\ndefault: approve\ndefault_approval: { approvers: [dba], expires_after: 30m, message: ask the DBA }\n');
    expect(evaluateStatement(policy, classified({ class: 'write' }), publicPath)).toMatchObject({
      action: 'approve',
      ruleName: null,
      approvers: ['dba'],
      minApprovals: 1,
      expiresAfterMs: 1_800_000,
      message: 'approval required by the policy default (no rule matched): ask the DBA',
    });
  });
});
