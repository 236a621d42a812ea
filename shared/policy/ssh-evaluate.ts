import { parseDurationMs } from './duration.ts';
import type { PolicyDocument } from './policy-document.ts';
import { commandGlobMatches, normalizeCommandText } from './ssh-command-glob.ts';
import { splitCommandLine, transferOf } from './ssh-command-line.ts';
import type { CommandSegment, CommandTransfer } from './ssh-command-line.ts';
import { SshPolicy } from './ssh-policy.ts';
import type { SshAction, SshExecRule } from './ssh-policy.ts';

/**
 * Decides what happens to one SSH exec command line: the first `ssh.exec` rule that matches
 * wins, otherwise `ssh.exec_default`. File transfers run as commands (scp, rsync) are
 * refused up front unless `ssh.sftp.allow` is set.
 *
 * The line is split into its simple commands (see ssh-command-line.ts). Like the SQL
 * evaluator, ambiguity falls towards the stricter outcome:
 * - a block or approve rule matches when the whole line, or ANY of its commands (as written,
 *   or reduced to program and arguments without sudo/env/paths), matches one of its globs;
 * - an allow rule matches only when EVERY command, as written, matches one of its globs and
 *   does not redirect unless the glob itself names a redirection — so `ls *` never lets
 *   `ls; rm -rf ~`, `ls $(rm -rf ~)` or `ls > ~/.bashrc` through.
 */

export interface SshExecDecision {
  action: SshAction;
  /** null when no rule matched and `exec_default` decided, or for a refused transfer. */
  ruleName: string | null;
  message: string;
  approvers: string[];
  /** Set when the command moves files (scp, rsync, sftp-server started by hand). */
  transfer: CommandTransfer | null;
}

/** The ssh section with every default filled in, as numbers the proxy can use. */
export interface SshSettings {
  policy: SshPolicy;
  shellAllowed: boolean;
  sessionApproval: { approvers: string[]; durationMs: number; message: string | null } | null;
  sftpAllowed: boolean;
  portForwarding: boolean;
  envAllow: string[];
  idleTimeoutMs: number | null;
  maxSessionMs: number | null;
  recordInput: boolean;
}

const defaultSshPolicy = SshPolicy.parse({});
const compiled = new WeakMap<PolicyDocument, SshSettings>();

export function sshSettings(policy: PolicyDocument): SshSettings {
  const cached = compiled.get(policy);
  if (cached !== undefined) return cached;
  const ssh = policy.ssh ?? defaultSshPolicy;
  const approval = ssh.session.approval;
  const settings: SshSettings = {
    policy: ssh,
    shellAllowed: ssh.shell.allow,
    sessionApproval:
      approval === null ? null : { approvers: [...approval.approvers], durationMs: durationMs(approval.duration), message: approval.message ?? null },
    sftpAllowed: ssh.sftp.allow,
    portForwarding: ssh.port_forwarding,
    envAllow: [...ssh.env.allow],
    idleTimeoutMs: ssh.idle_timeout === undefined ? null : durationMs(ssh.idle_timeout),
    maxSessionMs: ssh.max_session === undefined ? null : durationMs(ssh.max_session),
    recordInput: ssh.record_input,
  };
  compiled.set(policy, settings);
  return settings;
}

/** Whether the client may set this environment variable on the remote session. */
export function sshEnvAllowed(policy: PolicyDocument, name: string): boolean {
  return sshSettings(policy).envAllow.some((glob) => commandGlobMatches(glob, name));
}

export function evaluateSshExec(policy: PolicyDocument, commandLine: string): SshExecDecision {
  const settings = sshSettings(policy);
  const segments = splitCommandLine(commandLine);
  const transfer = transferOf(segments);
  if (transfer !== null && !settings.sftpAllowed) {
    return {
      action: 'block',
      ruleName: null,
      message: `file transfers (${transfer.protocol}) are not allowed on this connection (policy ssh.sftp.allow is false)`,
      approvers: [],
      transfer,
    };
  }
  const whole = normalizeCommandText(commandLine);
  for (const rule of settings.policy.exec) {
    if (ruleMatches(rule, whole, segments)) return decisionOfRule(rule, transfer);
  }
  return decisionOfDefault(settings.policy, transfer);
}

function globsOf(rule: SshExecRule): string[] {
  return typeof rule.match === 'string' ? [rule.match] : rule.match;
}

function ruleMatches(rule: SshExecRule, whole: string, segments: readonly CommandSegment[]): boolean {
  const globs = globsOf(rule);
  if (rule.action === 'allow') {
    if (segments.length === 0) return false;
    return segments.every((segment) =>
      globs.some((glob) => (!segment.redirects || /[<>]/.test(glob)) && commandGlobMatches(glob, segment.text)),
    );
  }
  const forms = [whole, ...segments.flatMap((segment) => [segment.text, segment.core])];
  return globs.some((glob) => forms.some((form) => form !== '' && commandGlobMatches(glob, form)));
}

function decisionOfRule(rule: SshExecRule, transfer: CommandTransfer | null): SshExecDecision {
  const suffix = rule.message === undefined ? '' : `: ${rule.message}`;
  switch (rule.action) {
    case 'allow':
      return { action: 'allow', ruleName: rule.name, message: `allowed by rule "${rule.name}"${suffix}`, approvers: [], transfer };
    case 'block':
      return { action: 'block', ruleName: rule.name, message: `blocked by rule "${rule.name}"${suffix}`, approvers: [], transfer };
    case 'approve':
      return { action: 'approve', ruleName: rule.name, message: `approval required by rule "${rule.name}"${suffix}`, approvers: [...(rule.approvers ?? [])], transfer };
    default:
      return rule.action satisfies never;
  }
}

function decisionOfDefault(ssh: SshPolicy, transfer: CommandTransfer | null): SshExecDecision {
  switch (ssh.exec_default) {
    case 'allow':
      return { action: 'allow', ruleName: null, message: 'allowed by the exec default (no rule matched)', approvers: [], transfer };
    case 'block':
      return { action: 'block', ruleName: null, message: 'blocked by the exec default (no rule matched)', approvers: [], transfer };
    case 'approve': {
      const settings = ssh.exec_default_approval;
      // The schema requires approvers here; without them nobody could approve, so block.
      if (settings === undefined) {
        return { action: 'block', ruleName: null, message: 'blocked by the exec default (approval required but no approvers configured)', approvers: [], transfer };
      }
      const suffix = settings.message === undefined ? '' : `: ${settings.message}`;
      return { action: 'approve', ruleName: null, message: `approval required by the exec default (no rule matched)${suffix}`, approvers: [...settings.approvers], transfer };
    }
    default:
      return ssh.exec_default satisfies never;
  }
}

function durationMs(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === null) throw new Error(`invalid duration "${text}" in a policy that skipped validation`);
  return ms;
}
