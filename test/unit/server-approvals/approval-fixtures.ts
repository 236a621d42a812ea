import { randomBytes } from 'node:crypto';
import type { ApprovalCreate } from '../../../shared/api/approvals.ts';
import type { Queryable } from '../../../server/store/database.ts';

/*
 * Rows the connections module would normally write, inserted directly so the approvals module
 * can be tested on its own: a connection, its policy versions, and requests against its rules.
 */

export const CONNECTION = 'warehouse';

export const POLICY_V1 = `
version: 1
connection: ${CONNECTION}
default: allow
rules:
  - name: writes
    when: { class: [write] }
    action: approve
    approvers: [db-approvers]
  - name: writes-loose
    when: { class: [control] }
    action: approve
    approvers: [analysts]
`;

/** Version 2 is current: the laxer rule of version 1 is gone. */
export const POLICY_V2 = `
version: 1
connection: ${CONNECTION}
default: allow
rules:
  - name: writes
    when: { class: [write] }
    action: approve
    approvers: [db-approvers]
  - name: ddl-two
    when: { class: [ddl] }
    action: approve
    approvers: [db-approvers]
    min_approvals: 2
  - name: quick
    when: { class: [dangerous] }
    action: approve
    approvers: [db-approvers]
    expires_after: 2s
  - name: night
    when: { relations: [payroll.*] }
    action: approve
    approvers: [night-shift]
    escalate_after: 1s
    escalate_to: [db-approvers]
    expires_after: 1m
  - name: justified
    when: { functions: [pg_terminate_backend] }
    action: approve
    approvers: [db-approvers]
    require_justification: true
  - name: no-exports
    when: { export: true }
    action: block
`;

export async function insertConnectionFixture(db: Queryable, opts: { name?: string; allowedGroups?: string[] } = {}): Promise<void> {
  const name = opts.name ?? CONNECTION;
  await db.query(
    `insert into connections (name, kind, target, allowed_groups, credential_ciphertext, credential_iv, credential_tag, policy_version)
     values ($1, 'postgres', $2::jsonb, $3::text[], $4, $5, $6, 2)`,
    [
      name,
      JSON.stringify({ host: '127.0.0.1', port: 5432, database: 'app', user: 'app', sslmode: 'disable', caPem: null, requireAuth: ['scram-sha-256'] }),
      opts.allowedGroups ?? ['analysts', 'admins', 'db-approvers', 'auditors'],
      randomBytes(16),
      randomBytes(12),
      randomBytes(16),
    ],
  );
  await db.query(`insert into policy_versions (connection, version, yaml, author) values ($1, 1, $2, 'fixture'), ($1, 2, $3, 'fixture')`, [
    name,
    POLICY_V1.replace(`connection: ${CONNECTION}`, `connection: ${name}`),
    POLICY_V2.replace(`connection: ${CONNECTION}`, `connection: ${name}`),
  ]);
}

export function statementRequest(rule: string, statement: string, overrides: Partial<ApprovalCreate> = {}): ApprovalCreate {
  return {
    connection: CONNECTION,
    scope: { kind: 'statement', statement, fingerprint: `fp-${statement.length}-${statement.slice(0, 12)}`, class: 'write' },
    rule,
    policyVersion: 2,
    brokerSessionId: 'session-1',
    ...overrides,
  };
}
