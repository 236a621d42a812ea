import type { PolicyDocument, PolicyRule, PolicyStatementClass } from '../../shared/policy/policy-document.ts';
import type { SshPolicy } from '../../shared/policy/ssh-policy.ts';

/*
 * What a connection's policy will do, in sentences a person reads at a glance in the
 * connection list: "writes need approval by db-approvers", "DDL is blocked",
 * "email is masked (partial)". Rules are described in their order (first match wins).
 */

const CLASS_NOUNS: Record<PolicyStatementClass, { noun: string; plural: boolean }> = {
  read: { noun: 'reads', plural: true },
  control: { noun: 'session and transaction statements', plural: true },
  write: { noun: 'writes', plural: true },
  ddl: { noun: 'DDL', plural: false },
  dangerous: { noun: 'dangerous statements', plural: true },
  unknown: { noun: 'unrecognised statements', plural: true },
};

export function summarizePolicy(policy: PolicyDocument, kind: 'postgres' | 'ssh'): string[] {
  if (kind === 'ssh') return summarizeSsh(policy.ssh);
  const lines = policy.rules.map(describeRule);
  lines.push(describeDefault(policy));
  for (const [glob, style] of Object.entries(policy.masking.columns)) {
    lines.push(`${readableColumn(glob)} is masked (${style})`);
  }
  if (policy.masking.detectors.length > 0 && policy.masking.scan !== 'none') {
    const where = policy.masking.scan === 'computed' ? 'computed values' : 'values';
    lines.push(`${where} that look like ${joinWords(policy.masking.detectors.map((d) => d.replace(/_/g, ' ')))} are masked`);
  }
  if (policy.limits.max_rows !== undefined) lines.push(`results stop at ${policy.limits.max_rows} rows`);
  if (!policy.approval_wait) lines.push('statements needing approval fail at once; run them again once approved');
  return dedupe(lines);
}

function describeRule(rule: PolicyRule): string {
  const subject = subjectOf(rule);
  switch (rule.action) {
    case 'allow':
      return `${subject.text} ${subject.plural ? 'are' : 'is'} allowed`;
    case 'block':
      return `${subject.text} ${subject.plural ? 'are' : 'is'} blocked`;
    case 'approve':
      return `${subject.text} ${subject.plural ? 'need' : 'needs'} ${approvalWords(rule.approvers ?? [], rule.min_approvals, rule.require_justification)}`;
    default:
      return rule.action satisfies never;
  }
}

function describeDefault(policy: PolicyDocument): string {
  const anything = policy.rules.length === 0 ? 'every statement' : 'anything else';
  switch (policy.default) {
    case 'allow':
      return `${anything} is allowed`;
    case 'block':
      return `${anything} is blocked`;
    case 'approve': {
      const approval = policy.default_approval;
      return `${anything} needs ${approvalWords(approval?.approvers ?? [], approval?.min_approvals, approval?.require_justification)}`;
    }
    default:
      return policy.default satisfies never;
  }
}

function subjectOf(rule: PolicyRule): { text: string; plural: boolean } {
  const when = rule.when;
  const classes = when.class ?? [];
  let text: string;
  let plural = true;
  if (classes.length === 0) {
    text = when.export === true ? 'exports' : 'statements';
  } else {
    const nouns = classes.map((c) => CLASS_NOUNS[c]);
    text = joinWords(nouns.map((n) => n.noun));
    plural = nouns.length > 1 || nouns[0]!.plural;
    if (when.export === true) text = `${text} that export data`;
  }
  if (when.relations !== undefined) text = `${text} on ${joinWords(when.relations)}`;
  if (when.functions !== undefined) text = `${text} calling ${joinWords(when.functions)}`;
  return { text, plural };
}

function approvalWords(approvers: readonly string[], minApprovals: number | undefined, justification: boolean | undefined): string {
  const count = minApprovals !== undefined && minApprovals > 1 ? `${minApprovals} approvals` : 'approval';
  const who = approvers.length === 0 ? '' : ` by ${joinWords(approvers, 'or')}`;
  return `${count}${who}${justification === true ? ', with a justification' : ''}`;
}

/** `*.*.email` → `email`; `public.customers.email` stays as written. */
function readableColumn(glob: string): string {
  const segments = glob.split('.');
  while (segments.length > 1 && segments[0] === '*') segments.shift();
  return segments.join('.');
}

function summarizeSsh(ssh: SshPolicy | undefined): string[] {
  if (ssh === undefined) return ['interactive shells and commands are allowed', 'file transfer and port forwarding are blocked', 'sessions are recorded'];
  const lines: string[] = [];
  if (ssh.session.approval !== null) lines.push(`sessions need approval by ${joinWords(ssh.session.approval.approvers, 'or')} (for ${ssh.session.approval.duration})`);
  lines.push(ssh.shell.allow ? 'interactive shells are allowed' : 'interactive shells are blocked; only commands run');
  for (const rule of ssh.exec) {
    const match = Array.isArray(rule.match) ? joinWords(rule.match.map((m) => `"${m}"`), 'or') : `"${rule.match}"`;
    if (rule.action === 'approve') lines.push(`commands matching ${match} need approval by ${joinWords(rule.approvers ?? [], 'or')}`);
    else lines.push(`commands matching ${match} are ${rule.action === 'allow' ? 'allowed' : 'blocked'}`);
  }
  switch (ssh.exec_default) {
    case 'allow':
      lines.push('other commands are allowed');
      break;
    case 'block':
      lines.push('other commands are blocked');
      break;
    case 'approve':
      lines.push(`other commands need approval by ${joinWords(ssh.exec_default_approval?.approvers ?? [], 'or')}`);
      break;
    default:
      ssh.exec_default satisfies never;
  }
  lines.push(ssh.sftp.allow ? 'file transfer is allowed' : 'file transfer is blocked');
  lines.push(ssh.port_forwarding ? 'port forwarding is allowed' : 'port forwarding is blocked');
  if (ssh.max_session !== undefined) lines.push(`sessions end after ${ssh.max_session}`);
  if (ssh.idle_timeout !== undefined) lines.push(`idle sessions end after ${ssh.idle_timeout}`);
  lines.push(ssh.record_input ? 'sessions are recorded, keystrokes included' : 'sessions are recorded');
  return lines;
}

function joinWords(words: readonly string[], conjunction = 'and'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1]!}`;
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}
