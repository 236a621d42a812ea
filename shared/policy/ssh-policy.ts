import { z } from 'zod';
import { parseDurationMs } from './duration.ts';

/**
 * The `ssh` section of a policy document: what an SSH session through Gatehouse may do.
 * Like the rest of the document every object is strict, and every safeguard defaults to
 * the closed side (no file transfer, no forwarding, a short environment allowlist).
 *
 * Kept apart from policy-document.ts, which embeds it; this file must not import that one
 * (the two would form an import cycle), hence its own action and duration schemas.
 */

export const SshAction = z.enum(['allow', 'block', 'approve']);
export type SshAction = z.infer<typeof SshAction>;

const SshDuration = z
  .string({ error: 'expected a duration such as 30s, 15m, 1h or 1h30m' })
  .refine((text) => (parseDurationMs(text) ?? 0) > 0, { error: 'expected a positive duration such as 30s, 15m, 1h or 1h30m' });

const Approvers = z.array(z.string().min(1)).min(1, { error: 'expected at least one group' });

/** `*` matches any run of characters (spaces and slashes included); everything else is literal and case-sensitive. */
const CommandGlob = z.string().min(1).max(4096);

const EnvNameGlob = z.string().regex(/^[A-Za-z_*][A-Za-z0-9_*]*$/, { error: 'expected an environment variable name, where * matches any run of characters' });

export const SshExecRule = z
  .strictObject({
    name: z.string().min(1),
    /** One glob or a list of globs over the command line; any of them matching is enough. */
    match: z.union([CommandGlob, z.array(CommandGlob).min(1)]),
    action: SshAction,
    approvers: Approvers.optional(),
    /** Shown to the client: why the command is blocked, or what the approver is asked. */
    message: z.string().min(1).optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.action === 'approve' && rule.approvers === undefined) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: 'action "approve" needs a non-empty approvers list' });
    }
    if (rule.action !== 'approve' && rule.approvers !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['approvers'], message: 'approvers only applies to rules with action "approve"' });
    }
  });
export type SshExecRule = z.infer<typeof SshExecRule>;

export const SshDefaultApproval = z.strictObject({
  approvers: Approvers,
  message: z.string().min(1).optional(),
});
export type SshDefaultApproval = z.infer<typeof SshDefaultApproval>;

/** Just-in-time access: a person approves the session before it opens; it ends when the window closes. */
export const SshSessionApproval = z.strictObject({
  approvers: Approvers,
  duration: SshDuration,
  message: z.string().min(1).optional(),
});
export type SshSessionApproval = z.infer<typeof SshSessionApproval>;

export const DEFAULT_SSH_ENV_ALLOW = ['LANG', 'LC_*', 'TERM'] as const;

export const SshPolicy = z
  .strictObject({
    /** Rules over exec command lines; first match wins. */
    exec: z.array(SshExecRule).default([]),
    exec_default: SshAction.default('allow'),
    /** Who approves when no exec rule matched and `exec_default: approve`. */
    exec_default_approval: SshDefaultApproval.optional(),
    /** false: interactive shells are refused; only exec commands (judged by the rules) run. */
    shell: z.strictObject({ allow: z.boolean().default(true) }).prefault({}),
    session: z.strictObject({ approval: SshSessionApproval.nullable().default(null) }).prefault({}),
    /** Covers the sftp subsystem and scp/rsync run as commands (file transfers). */
    sftp: z.strictObject({ allow: z.boolean().default(false) }).prefault({}),
    /** -L, -R, -D and Unix-socket forwarding. */
    port_forwarding: z.boolean().default(false),
    env: z.strictObject({ allow: z.array(EnvNameGlob).default([...DEFAULT_SSH_ENV_ALLOW]) }).prefault({}),
    /** The session ends after this long without a byte in either direction. */
    idle_timeout: SshDuration.optional(),
    /** The session ends this long after it opened, whatever is happening. */
    max_session: SshDuration.optional(),
    /** true: keystrokes are recorded too (they may contain passwords typed at prompts). */
    record_input: z.boolean().default(false),
  })
  .superRefine((ssh, ctx) => {
    if (ssh.exec_default === 'approve' && ssh.exec_default_approval === undefined) {
      ctx.addIssue({ code: 'custom', path: ['exec_default'], message: 'exec_default "approve" needs an exec_default_approval section with approvers' });
    }
    if (ssh.exec_default !== 'approve' && ssh.exec_default_approval !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['exec_default_approval'], message: 'exec_default_approval only applies when exec_default is "approve"' });
    }
    const seen = new Set<string>();
    ssh.exec.forEach((rule, index) => {
      if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['exec', index, 'name'], message: `rule name "${rule.name}" is used twice` });
      seen.add(rule.name);
    });
  });
export type SshPolicy = z.infer<typeof SshPolicy>;
export type SshPolicyInput = z.input<typeof SshPolicy>;
