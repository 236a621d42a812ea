import { approvalOf, type ApprovalFields } from '../../shared/policy/evaluate.ts';
import type { PolicyDocument } from '../../shared/policy/policy-document.ts';

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
