import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../../shared/policy/parse-policy.ts';
import type { PolicyDocument } from '../../../shared/policy/policy-document.ts';
import { approvalSettingsFor } from '../../../server/approvals/approval-settings.ts';

function policy(yaml: string): PolicyDocument {
  const parsed = parsePolicyText(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

const SSH = policy(`
version: 1
connection: web
default: block
rules:
  - name: writes
    when: { class: [write] }
    action: approve
    approvers: [db-approvers]
ssh:
  exec:
    - name: restarts
      match: "systemctl restart *"
      action: approve
      approvers: [ops]
    - name: reads
      match: "ls*"
      action: allow
  exec_default: approve
  exec_default_approval: { approvers: [ops-leads] }
  session:
    approval: { approvers: [ops], duration: 30m }
`);

const NO_SSH_APPROVALS = policy(`
version: 1
connection: web
default: block
ssh:
  exec_default: allow
`);

describe('approvalSettingsFor SSH requests', () => {
  it('binds a command to the rule the server itself finds for it', () => {
    expect(approvalSettingsFor(SSH, { kind: 'command', command: 'systemctl restart nginx' }, 'restarts')).toMatchObject({ ok: true, settings: { approverGroups: ['ops'], minApprovals: 1 } });
    expect(approvalSettingsFor(SSH, { kind: 'command', command: 'uptime' }, 'ssh.exec_default')).toMatchObject({ ok: true, settings: { approverGroups: ['ops-leads'] } });
  });

  it('refuses a command under another rule, or one the policy does not hold for approval', () => {
    expect(approvalSettingsFor(SSH, { kind: 'command', command: 'uptime' }, 'restarts')).toEqual({ ok: false, reason: 'the command is decided by "ssh.exec_default", not "restarts"' });
    expect(approvalSettingsFor(SSH, { kind: 'command', command: 'ls /' }, 'reads')).toMatchObject({ ok: false, reason: expect.stringContaining('does not require approval') });
    expect(approvalSettingsFor(NO_SSH_APPROVALS, { kind: 'command', command: 'uptime' }, 'ssh.exec_default')).toMatchObject({ ok: false });
  });

  it('grants a session window no longer than the policy’s, only where the policy gates sessions', () => {
    expect(approvalSettingsFor(SSH, { kind: 'session', durationMs: 30 * 60_000 }, 'ssh.session')).toMatchObject({ ok: true, settings: { approverGroups: ['ops'] } });
    expect(approvalSettingsFor(SSH, { kind: 'session', durationMs: 31 * 60_000 }, 'ssh.session')).toMatchObject({ ok: false, reason: expect.stringContaining('longer than the policy allows') });
    expect(approvalSettingsFor(NO_SSH_APPROVALS, { kind: 'session', durationMs: 60_000 }, 'ssh.session')).toMatchObject({ ok: false });
  });

  it('still takes a session request under a SQL approve rule as before', () => {
    expect(approvalSettingsFor(SSH, { kind: 'session', durationMs: 60_000 }, 'writes')).toMatchObject({ ok: true, settings: { approverGroups: ['db-approvers'] } });
  });
});
