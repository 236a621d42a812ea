import { SSH_EXEC_DEFAULT_RULE, SSH_SESSION_RULE, type ApprovalCreate } from '../../shared/api/approvals.ts';
import { approvalOf, type ApprovalFields } from '../../shared/policy/evaluate.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';
import { evaluateSshExec, sshSettings } from '../../shared/policy/ssh-evaluate.ts';

/** What the server binds to a request from its own copy of the policy; the broker's word is never taken for these. */
export interface ApprovalSettings {
  approverGroups: string[];
  minApprovals: number;
  expiresAfterMs: number;
  escalateAfterMs: number | null;
  escalationGroups: string[];
  requireJustification: boolean;
}

/** The name the broker sends when no rule matched and the policy's `default: approve` decided. */
export const DEFAULT_RULE_NAME = 'default';

export type SettingsLookup = { ok: true; settings: ApprovalSettings } | { ok: false; reason: string };

/**
 * The approval settings of rule `ruleName` in `policy`. The rule must exist and be an
 * `approve` rule; `default` names the policy's default_approval when no rule is so named.
 */
export function approvalSettingsOf(policy: PolicyDocument, ruleName: string): SettingsLookup {
  const rule = policy.rules.find((r) => r.name === ruleName);
  if (rule !== undefined) {
    if (rule.action !== 'approve') return { ok: false, reason: `rule "${ruleName}" has action "${rule.action}", not "approve"` };
    return settingsFrom(rule);
  }
  if (ruleName === DEFAULT_RULE_NAME && policy.default === 'approve' && policy.default_approval !== undefined) {
    return settingsFrom(policy.default_approval);
  }
  return { ok: false, reason: `the policy has no approve rule named "${ruleName}"` };
}

function settingsFrom(fields: ApprovalFields): SettingsLookup {
  let a: ReturnType<typeof approvalOf>;
  try {
    a = approvalOf(fields);
  } catch {
    return { ok: false, reason: 'the rule has an invalid duration' };
  }
  const approverGroups = [...new Set(a.approvers)];
  if (approverGroups.length === 0) return { ok: false, reason: 'the rule names no approver groups' };
  if (a.expiresAfterMs <= 0) return { ok: false, reason: 'the rule has an invalid duration' };
  return {
    ok: true,
    settings: {
      approverGroups,
      minApprovals: a.minApprovals,
      expiresAfterMs: a.expiresAfterMs,
      escalateAfterMs: a.escalateAfterMs,
      escalationGroups: a.escalateAfterMs === null ? [] : [...new Set(a.escalateTo)],
      requireJustification: a.requireJustification,
    },
  };
}

/**
 * The settings for a request of `scope`, from the server's copy of the policy. SSH requests are
 * judged by the policy's `ssh` section: a command is evaluated here again, and must come out
 * as `approve` under the rule the broker named; a session must be one the policy gates, for
 * no longer than its window. Other session requests keep naming a SQL approve rule.
 */
export function approvalSettingsFor(policy: PolicyDocument, scope: ApprovalCreate['scope'], ruleName: string): SettingsLookup {
  switch (scope.kind) {
    case 'statement':
      return approvalSettingsOf(policy, ruleName);
    case 'session':
      return ruleName === SSH_SESSION_RULE ? sshSessionSettings(policy, scope.durationMs) : approvalSettingsOf(policy, ruleName);
    case 'command':
      return sshCommandSettings(policy, scope.command, ruleName);
    default:
      return scope satisfies never;
  }
}

function sshSessionSettings(policy: PolicyDocument, durationMs: number): SettingsLookup {
  const approval = sshSettings(policy).sessionApproval;
  if (approval === null) return { ok: false, reason: 'the policy does not require approval of SSH sessions (ssh.session.approval)' };
  if (durationMs > approval.durationMs) return { ok: false, reason: `the session window asked for (${durationMs} ms) is longer than the policy allows (${approval.durationMs} ms)` };
  return settingsFrom({ approvers: approval.approvers });
}

function sshCommandSettings(policy: PolicyDocument, command: string, ruleName: string): SettingsLookup {
  const decision = evaluateSshExec(policy, command);
  if (decision.action !== 'approve') return { ok: false, reason: `the policy does not require approval of this command (${decision.message})` };
  const decidedBy = decision.ruleName ?? SSH_EXEC_DEFAULT_RULE;
  if (decidedBy !== ruleName) return { ok: false, reason: `the command is decided by "${decidedBy}", not "${ruleName}"` };
  return settingsFrom({ approvers: decision.approvers });
}
