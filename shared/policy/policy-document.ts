import { z } from 'zod';
import { DetectorName } from '../masking/detectors.ts';
import { MaskStyle } from '../masking/mask-style.ts';
import { parseDurationMs } from './duration.ts';
import { parseColumnPattern, parseRelationPattern } from './name-pattern.ts';
import { SshPolicy } from './ssh-policy.ts';

/**
 * The policy document of one connection, as written in YAML (see examples/policies/).
 * Every object is strict: a misspelt key is an error, never a silently ignored safeguard.
 */

export const DEFAULT_APPROVAL_EXPIRY = '15m';

export const PolicyAction = z.enum(['allow', 'block', 'approve']);
export type PolicyAction = z.infer<typeof PolicyAction>;

/** The statement classes the SQL classifier reports, as policies name them. */
export const PolicyStatementClass = z.enum(['read', 'control', 'write', 'ddl', 'dangerous', 'unknown']);
export type PolicyStatementClass = z.infer<typeof PolicyStatementClass>;

export const AuditMode = z.enum(['durable', 'buffered']);
export type AuditMode = z.infer<typeof AuditMode>;

/** all: every value is scanned; computed: only columns that come from no table; none: no scanning. */
export const ScanMode = z.enum(['all', 'computed', 'none']);
export type ScanMode = z.infer<typeof ScanMode>;

export const Duration = z
  .string({ error: 'expected a duration such as 30s, 15m, 1h or 1h30m' })
  .refine((text) => (parseDurationMs(text) ?? 0) > 0, { error: 'expected a positive duration such as 30s, 15m, 1h or 1h30m' });

const RelationGlob = z
  .string()
  .refine((text) => parseRelationPattern(text) !== null, { error: 'expected "schema.name" or "name", where * matches within a segment' });

const GroupList = z.array(z.string().min(1)).min(1, { error: 'expected at least one group' });

export const RuleCondition = z.strictObject({
  class: z.array(PolicyStatementClass).min(1).optional(),
  /** true: the statement hands data out in bulk (COPY TO, large unbounded reads as the classifier judges). */
  export: z.boolean().optional(),
  /** Globs over `schema.table`; unqualified relations in SQL are resolved against search_path. */
  relations: z.array(RelationGlob).min(1).optional(),
  /** Globs over `schema.function` or `function`. */
  functions: z.array(RelationGlob).min(1).optional(),
});
export type RuleCondition = z.infer<typeof RuleCondition>;

const approvalShape = {
  approvers: GroupList.optional(),
  min_approvals: z.number().int().min(1).optional(),
  expires_after: Duration.optional(),
  escalate_after: Duration.optional(),
  escalate_to: GroupList.optional(),
  require_justification: z.boolean().optional(),
};
const APPROVAL_KEYS = Object.keys(approvalShape) as (keyof typeof approvalShape)[];

type ApprovalSettings = { [K in keyof typeof approvalShape]?: z.infer<(typeof approvalShape)[K]> };

function checkEscalation(settings: ApprovalSettings, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (settings.escalate_after !== undefined && settings.escalate_to === undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, 'escalate_after'], message: 'escalate_after needs escalate_to (the group to escalate to)' });
  }
  if (settings.escalate_to !== undefined && settings.escalate_after === undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, 'escalate_to'], message: 'escalate_to needs escalate_after (when to escalate)' });
  }
  if (settings.escalate_after !== undefined) {
    const escalateMs = parseDurationMs(settings.escalate_after) ?? 0;
    const expiresMs = parseDurationMs(settings.expires_after ?? DEFAULT_APPROVAL_EXPIRY) ?? 0;
    if (escalateMs >= expiresMs) {
      ctx.addIssue({ code: 'custom', path: [...path, 'escalate_after'], message: 'escalate_after must be shorter than expires_after (default 15m)' });
    }
  }
}

export const PolicyRule = z
  .strictObject({
    name: z.string().min(1),
    when: RuleCondition,
    action: PolicyAction,
    /** Shown to the client: the reason for a block, or what the approver is asked. */
    message: z.string().min(1).optional(),
    ...approvalShape,
  })
  .superRefine((rule, ctx) => {
    if (rule.action === 'approve') {
      if (rule.approvers === undefined) {
        ctx.addIssue({ code: 'custom', path: ['action'], message: 'action "approve" needs a non-empty approvers list' });
      }
      checkEscalation(rule, [], ctx);
      return;
    }
    for (const key of APPROVAL_KEYS) {
      if (rule[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} only applies to rules with action "approve"` });
      }
    }
  });
export type PolicyRule = z.infer<typeof PolicyRule>;

/** Who approves when no rule matched and `default: approve`. */
export const DefaultApproval = z
  .strictObject({
    ...approvalShape,
    approvers: GroupList,
    message: z.string().min(1).optional(),
  })
  .superRefine((settings, ctx) => checkEscalation(settings, [], ctx));
export type DefaultApproval = z.infer<typeof DefaultApproval>;

export const PolicyLimits = z.strictObject({
  /** Rows beyond this are not returned; the statement ends with an error the client sees. */
  max_rows: z.number().int().positive().optional(),
});
export type PolicyLimits = z.infer<typeof PolicyLimits>;

const ColumnGlob = z
  .string()
  .refine((text) => parseColumnPattern(text) !== null, { error: 'expected "schema.table.column", "table.column" or "column", where * matches within a segment' });

export const MaskingSettings = z.strictObject({
  /** Column globs to mask style; the most specific matching glob wins (see masking-plan.ts). */
  columns: z.record(ColumnGlob, MaskStyle).default({}),
  detectors: z.array(DetectorName).default([]),
  /** Overrides the default style of a detector (e.g. `email: hash` to keep joins on e-mails). */
  detector_styles: z.partialRecord(DetectorName, MaskStyle).default({}),
  scan: ScanMode.default('all'),
});
export type MaskingSettings = z.infer<typeof MaskingSettings>;

export const PolicyDocument = z
  .strictObject({
    version: z.literal(1),
    connection: z.string().min(1),
    default: PolicyAction,
    default_approval: DefaultApproval.optional(),
    /** durable: fsync before forwarding; buffered: group commit within 50 ms. */
    audit: AuditMode.default('durable'),
    /** false: the client gets the error at once, with the request id, instead of waiting. */
    approval_wait: z.boolean().default(true),
    /** First match wins. */
    rules: z.array(PolicyRule).default([]),
    limits: PolicyLimits.prefault({}),
    masking: MaskingSettings.prefault({}),
    /** SSH connections only; absent means the SSH defaults (see ssh-policy.ts). */
    ssh: SshPolicy.optional(),
  })
  .superRefine((policy, ctx) => {
    if (policy.default === 'approve' && policy.default_approval === undefined) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: 'default "approve" needs a default_approval section with approvers' });
    }
    if (policy.default !== 'approve' && policy.default_approval !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['default_approval'], message: 'default_approval only applies when default is "approve"' });
    }
    const seen = new Set<string>();
    policy.rules.forEach((rule, index) => {
      if (seen.has(rule.name)) {
        ctx.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `rule name "${rule.name}" is used twice` });
      }
      seen.add(rule.name);
    });
  });
export type PolicyDocument = z.infer<typeof PolicyDocument>;
export type PolicyDocumentInput = z.input<typeof PolicyDocument>;
