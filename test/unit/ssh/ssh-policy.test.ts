import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../../shared/policy/parse-policy.ts';
import type { PolicyError } from '../../../shared/policy/parse-policy.ts';
import { sshSettings } from '../../../shared/policy/ssh-evaluate.ts';

const HEADER = 'version: 1\nconnection: web-1\ndefault: block\n';

function policyOf(text: string) {
  const result = parsePolicyText(text);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n'));
  return result.policy;
}

function errorsOf(text: string): PolicyError[] {
  const result = parsePolicyText(text);
  if (result.ok) throw new Error('expected the policy to be rejected');
  return result.errors;
}

describe('the ssh section of a policy', () => {
  it('is optional, and its absence means the closed defaults', () => {
    const policy = policyOf(HEADER);
    expect(policy.ssh).toBeUndefined();
    const settings = sshSettings(policy);
    expect(settings).toMatchObject({
      shellAllowed: true,
      sessionApproval: null,
      sftpAllowed: false,
      portForwarding: false,
      envAllow: ['LANG', 'LC_*', 'TERM'],
      idleTimeoutMs: null,
      maxSessionMs: null,
      recordInput: false,
    });
    expect(settings.policy.exec_default).toBe('allow');
  });

  it('parses every field', () => {
    const policy = policyOf(`${HEADER}ssh:
  exec:
    - name: no-rm
      match: "rm -rf *"
      action: block
      message: ask the storage team
    - name: restarts
      match: ["systemctl restart *", "service * restart"]
      action: approve
      approvers: [ops]
  exec_default: approve
  exec_default_approval: { approvers: [ops-leads] }
  shell: { allow: false }
  session:
    approval: { approvers: [ops], duration: 30m }
  sftp: { allow: true }
  port_forwarding: true
  env: { allow: [LANG, GIT_*] }
  idle_timeout: 15m
  max_session: 8h
  record_input: true
`);
    expect(policy.ssh?.exec[1]).toEqual({ name: 'restarts', match: ['systemctl restart *', 'service * restart'], action: 'approve', approvers: ['ops'] });
    expect(sshSettings(policy)).toMatchObject({
      shellAllowed: false,
      sessionApproval: { approvers: ['ops'], durationMs: 30 * 60_000, message: null },
      sftpAllowed: true,
      portForwarding: true,
      envAllow: ['LANG', 'GIT_*'],
      idleTimeoutMs: 15 * 60_000,
      maxSessionMs: 8 * 3_600_000,
      recordInput: true,
    });
  });

  it('accepts an explicit null session approval', () => {
    expect(sshSettings(policyOf(`${HEADER}ssh:\n  session: { approval: null }\n`)).sessionApproval).toBeNull();
  });

  it('reports unknown keys inside the ssh section at the key', () => {
    const errors = errorsOf(`${HEADER}ssh:\n  sftp: { allow: true }\n  agent_forwarding: true\n`);
    expect(errors).toEqual([{ line: 6, column: 3, path: 'ssh.agent_forwarding', message: 'unknown key "agent_forwarding"' }]);
  });

  it('requires approvers on approve rules and refuses them elsewhere', () => {
    const errors = errorsOf(`${HEADER}ssh:\n  exec:\n    - { name: a, match: "x", action: approve }\n    - { name: b, match: "y", action: block, approvers: [ops] }\n`);
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      ['ssh.exec.0.action', 'action "approve" needs a non-empty approvers list'],
      ['ssh.exec.1.approvers', 'approvers only applies to rules with action "approve"'],
    ]);
  });

  it('requires exec_default_approval exactly when exec_default is approve', () => {
    expect(errorsOf(`${HEADER}ssh:\n  exec_default: approve\n`).map((e) => e.path)).toEqual(['ssh.exec_default']);
    expect(errorsOf(`${HEADER}ssh:\n  exec_default_approval: { approvers: [ops] }\n`).map((e) => e.path)).toEqual(['ssh.exec_default_approval']);
  });

  it('rejects bad durations, duplicate rule names, empty globs and odd env names', () => {
    expect(errorsOf(`${HEADER}ssh:\n  idle_timeout: soon\n`)[0]?.path).toBe('ssh.idle_timeout');
    expect(errorsOf(`${HEADER}ssh:\n  session: { approval: { approvers: [ops], duration: 0s } }\n`)[0]?.path).toBe('ssh.session.approval.duration');
    expect(errorsOf(`${HEADER}ssh:\n  exec:\n    - { name: a, match: x, action: allow }\n    - { name: a, match: y, action: allow }\n`)[0]).toMatchObject({
      path: 'ssh.exec.1.name',
      message: 'rule name "a" is used twice',
    });
    expect(errorsOf(`${HEADER}ssh:\n  exec:\n    - { name: a, match: [], action: allow }\n`)[0]?.path).toMatch(/^ssh\.exec\.0\.match/);
    expect(errorsOf(`${HEADER}ssh:\n  env: { allow: ["A B"] }\n`)[0]?.path).toBe('ssh.env.allow.0');
  });

  it('leaves the SQL part of the document untouched', () => {
    const policy = policyOf(`${HEADER}rules:\n  - name: reads\n    when: { class: [read] }\n    action: allow\nssh:\n  port_forwarding: false\n`);
    expect(policy.rules).toHaveLength(1);
    expect(policy.default).toBe('block');
  });
});
