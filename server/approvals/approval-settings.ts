import { parseDurationMs } from '../../shared/policy/duration.ts';
import { DEFAULT_APPROVAL_EXPIRY } from '../../shared/policy/policy-document.ts';
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

interface ApprovalFields {
  approvers?: string[];
  min_approvals?: number;
  expires_after?: string;
  escalate_after?: string;
  escalate_to?: string[];
  require_justification?: boolean;
}

function settingsFrom(fields: ApprovalFields): SettingsLookup {
  const approverGroups = [...new Set(fields.approvers ?? [])];
  if (approverGroups.length === 0) return { ok: false, reason: 'the rule names no approver groups' };
  const expiresAfterMs = parseDurationMs(fields.expires_after ?? DEFAULT_APPROVAL_EXPIRY);
  const escalateAfterMs = fields.escalate_after === undefined ? null : parseDurationMs(fields.escalate_after);
  if (expiresAfterMs === null || expiresAfterMs <= 0 || (fields.escalate_after !== undefined && escalateAfterMs === null)) {
    return { ok: false, reason: 'the rule has an invalid duration' };
  }
  return {
    ok: true,
    settings: {
      approverGroups,
      minApprovals: fields.min_approvals ?? 1,
      expiresAfterMs,
      escalateAfterMs,
      escalationGroups: escalateAfterMs === null ? [] : [...new Set(fields.escalate_to ?? [])],
      requireJustification: fields.require_justification ?? false,
    },
  };
}
