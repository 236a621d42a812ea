import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../../shared/policy/parse-policy.ts';
import type { PolicyDocument } from '../../../shared/policy/policy-document.ts';
import { approvalSettingsOf } from '../../../server/approvals/approval-settings.ts';

function policy(yaml: string): PolicyDocument {
  const parsed = parsePolicyText(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

const RULES = policy(`
version: 1
connection: warehouse
default: allow
rules:
  - name: writes
    when: { class: [write] }
    action: approve
    approvers: [db-approvers]
  - name: ddl
    when: { class: [ddl] }
    action: approve
    approvers: [db-approvers, dba-leads]
    min_approvals: 2
    expires_after: 1h
    escalate_after: 10m
    escalate_to: [dba-leads]
    require_justification: true
  - name: no-exports
    when: { export: true }
    action: block
`);

describe('approvalSettingsOf', () => {
  it('takes a rule’s settings, with the default expiry of 15 minutes', () => {
    expect(approvalSettingsOf(RULES, 'writes')).toEqual({
      ok: true,
      settings: { approverGroups: ['db-approvers'], minApprovals: 1, expiresAfterMs: 15 * 60_000, escalateAfterMs: null, escalationGroups: [], requireJustification: false },
    });
  });

  it('takes every approval setting the rule gives', () => {
    expect(approvalSettingsOf(RULES, 'ddl')).toEqual({
      ok: true,
      settings: {
        approverGroups: ['db-approvers', 'dba-leads'],
        minApprovals: 2,
        expiresAfterMs: 3_600_000,
        escalateAfterMs: 600_000,
        escalationGroups: ['dba-leads'],
        requireJustification: true,
      },
    });
  });

  it('refuses a rule that does not ask for approval, and a rule that does not exist', () => {
    expect(approvalSettingsOf(RULES, 'no-exports')).toEqual({ ok: false, reason: 'rule "no-exports" has action "block", not "approve"' });
    expect(approvalSettingsOf(RULES, 'made-up')).toEqual({ ok: false, reason: 'the policy has no approve rule named "made-up"' });
    expect(approvalSettingsOf(RULES, 'default')).toMatchObject({ ok: false });
  });

  it('reads `default` as the policy’s default_approval when the default is approve', () => {
    const byDefault = policy(`
version: 1
connection: warehouse
default: approve
default_approval:
  approvers: [db-approvers]
  expires_after: 2m
`);
    expect(approvalSettingsOf(byDefault, 'default')).toEqual({
      ok: true,
      settings: { approverGroups: ['db-approvers'], minApprovals: 1, expiresAfterMs: 120_000, escalateAfterMs: null, escalationGroups: [], requireJustification: false },
    });
  });
});
