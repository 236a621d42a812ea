import { describe, expect, it } from 'vitest';
import { summarizePolicy } from '../../../broker/bridge/policy-summary.ts';
import { parsePolicyText } from '../../../shared/policy/parse-policy.ts';
import type { PolicyDocument } from '../../../shared/policy/policy-document.ts';

function policy(yaml: string): PolicyDocument {
  const parsed = parsePolicyText(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

describe('summarizePolicy', () => {
  it('says what each rule does, in order, then the default, masking and limits', () => {
    const doc = policy(`version: 1
connection: crm
default: allow
approval_wait: false
rules:
  - { name: no-ddl, when: { class: [ddl] }, action: block }
  - { name: payroll, when: { class: [read, write], relations: [hr.payroll] }, action: approve, approvers: [hr-leads, cfo], min_approvals: 2, require_justification: true }
  - { name: writes, when: { class: [write] }, action: approve, approvers: [db-approvers] }
limits: { max_rows: 5000 }
masking:
  columns: { "*.*.email": partial, public.customers.ssn: redact }
  detectors: [credit_card, iban]
  scan: computed
`);
    expect(summarizePolicy(doc, 'postgres')).toEqual([
      'DDL is blocked',
      'reads and writes on hr.payroll need 2 approvals by hr-leads or cfo, with a justification',
      'writes need approval by db-approvers',
      'anything else is allowed',
      'email is masked (partial)',
      'public.customers.ssn is masked (redact)',
      'computed values that look like credit card and iban are masked',
      'results stop at 5000 rows',
      'statements needing approval fail at once; run them again once approved',
    ]);
  });

  it('describes a default that needs approval', () => {
    const doc = policy(`version: 1
connection: x
default: approve
default_approval: { approvers: [dba] }
`);
    expect(summarizePolicy(doc, 'postgres')).toEqual(['every statement needs approval by dba']);
  });

  it('describes SSH connections by their ssh section', () => {
    const doc = policy(`version: 1
connection: web
default: allow
ssh:
  shell: { allow: false }
  exec:
    - { name: restart, match: "systemctl restart *", action: approve, approvers: [ops] }
    - { name: rm, match: ["rm -rf *", "shutdown*"], action: block }
  exec_default: allow
  sftp: { allow: true }
`);
    expect(summarizePolicy(doc, 'ssh')).toEqual([
      'interactive shells are blocked; only commands run',
      'commands matching "systemctl restart *" need approval by ops',
      'commands matching "rm -rf *" or "shutdown*" are blocked',
      'other commands are allowed',
      'file transfer is allowed',
      'port forwarding is blocked',
      'sessions are recorded',
    ]);
  });
});
