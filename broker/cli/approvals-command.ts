import type { Command } from 'commander';
import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import { formatTable, shortTime, terminalSafe, terminalSafeMultiline, truncate } from './format-table.ts';
import { defaultCliContext, openServerApi, writeJson, type CliContext } from './server-context.ts';

interface CommonFlags {
  server?: string;
  json?: boolean;
}

/** `gatehouse approvals list|show|approve|deny`. */
export function registerApprovalsCommands(program: Command, ctx: CliContext = defaultCliContext()): void {
  const approvals = program.command('approvals').description('list, inspect and decide approval requests on the Gatehouse server');

  common(approvals.command('list'))
    .description('requests you may decide (--inbox, the default) or that you made (--mine)')
    .option('--inbox', 'requests waiting for your decision')
    .option('--mine', 'requests you made')
    .action(async (flags: CommonFlags & { inbox?: boolean; mine?: boolean }) => {
      if (flags.inbox === true && flags.mine === true) throw new Error('give --inbox or --mine, not both');
      const api = await openServerApi(ctx, flags.server);
      const requests = flags.mine === true ? await api.listMyApprovals() : await api.approvalInbox();
      if (flags.json === true) return writeJson(ctx, requests);
      if (requests.length === 0) {
        ctx.out.write(flags.mine === true ? 'You have made no approval requests.\n' : 'Nothing is waiting for your decision.\n');
        return;
      }
      ctx.out.write(
        formatTable(requests, [
          { header: 'ID', value: (r) => r.id, max: 40 },
          { header: 'STATE', value: (r) => r.state },
          { header: 'CONNECTION', value: (r) => r.connection },
          { header: 'REQUESTER', value: (r) => requesterLabel(r), max: 32 },
          { header: 'APPROVALS', value: (r) => `${approvalsGiven(r)}/${r.minApprovals}` },
          { header: 'EXPIRES', value: (r) => shortTime(r.expiresAt) },
          { header: 'WHAT', value: (r) => scopeSummary(r), max: 60 },
        ]),
      );
    });

  common(approvals.command('show'))
    .description('everything about one request, including the exact statement that would run')
    .argument('<id>', 'approval request id')
    .action(async (id: string, flags: CommonFlags) => {
      const request = await (await openServerApi(ctx, flags.server)).getApproval(id);
      if (flags.json === true) return writeJson(ctx, request);
      ctx.out.write(describeRequest(request));
    });

  common(approvals.command('approve'))
    .description('approve a request (never your own); the requester can then run exactly that statement once')
    .argument('<id>', 'approval request id')
    .option('--comment <text>', 'why you approve', '')
    .action(async (id: string, flags: CommonFlags & { comment: string }) => {
      const request = await (await openServerApi(ctx, flags.server)).decideApproval(id, { decision: 'approve', comment: flags.comment });
      reportDecision(ctx, flags, 'Approved', request);
    });

  common(approvals.command('deny'))
    .description('deny a request, saying why')
    .argument('<id>', 'approval request id')
    .requiredOption('--comment <text>', 'why you deny it (shown to the requester)')
    .action(async (id: string, flags: CommonFlags & { comment: string }) => {
      if (flags.comment.trim() === '') throw new Error('--comment must say why the request is denied');
      const request = await (await openServerApi(ctx, flags.server)).decideApproval(id, { decision: 'deny', comment: flags.comment });
      reportDecision(ctx, flags, 'Denied', request);
    });
}

function common(command: Command): Command {
  return command
    .option('--server <url>', 'the Gatehouse server (default: GATEHOUSE_SERVER, else the last server signed in to)')
    .option('--json', 'print JSON instead of text');
}

function reportDecision(ctx: CliContext, flags: CommonFlags, verb: string, request: ApprovalRequest): void {
  if (flags.json === true) return writeJson(ctx, request);
  const progress = request.state === 'pending' ? ` (${approvalsGiven(request)} of ${request.minApprovals} approvals so far)` : '';
  ctx.out.write(`${verb} ${terminalSafe(request.id)}: the request is now ${request.state}${progress}.\n`);
}

function describeRequest(r: ApprovalRequest): string {
  const lines = [
    `id:           ${terminalSafe(r.id)}`,
    `state:        ${r.state}`,
    `connection:   ${terminalSafe(r.connection)}`,
    `requester:    ${requesterLabel(r)}`,
    `rule:         ${terminalSafe(r.rule)} (policy v${r.policyVersion})`,
    `approvers:    ${terminalSafe(r.approverGroups.join(', ') || '-')}${r.escalated ? ` (escalated to ${terminalSafe(r.escalationGroups.join(', '))})` : ''}`,
    `approvals:    ${approvalsGiven(r)} of ${r.minApprovals} needed`,
    `created:      ${shortTime(r.createdAt)}`,
    `expires:      ${shortTime(r.expiresAt)}`,
  ];
  if (r.escalateAt !== null && !r.escalated) lines.push(`escalates:    ${shortTime(r.escalateAt)}`);
  if (r.decidedAt !== null) lines.push(`decided:      ${shortTime(r.decidedAt)}`);
  lines.push(`reason:       ${r.justification === null || r.justification === '' ? '-' : terminalSafe(r.justification)}`);
  if (r.cannotDecideReason !== null && r.cannotDecideReason !== undefined) lines.push(`you cannot decide it: ${terminalSafe(r.cannotDecideReason)}`);
  for (const d of r.decisions) {
    lines.push(`decision:     ${d.decision} by ${terminalSafe(d.approverName)} at ${shortTime(d.at)}${d.comment === '' ? '' : `: ${terminalSafe(d.comment)}`}`);
  }
  const scope = r.scope;
  switch (scope.kind) {
    case 'statement':
      lines.push(`class:        ${scope.class}`, '', 'statement:', indent(terminalSafeMultiline(scope.statement)));
      break;
    case 'session':
      lines.push(`scope:        a whole session for ${formatDuration(scope.durationMs)}`);
      break;
    case 'command':
      lines.push('scope:        one SSH command', '', 'command:', indent(terminalSafeMultiline(scope.command)));
      break;
    default:
      return scope satisfies never;
  }
  return `${lines.join('\n')}\n`;
}

function scopeSummary(r: ApprovalRequest): string {
  const scope = r.scope;
  switch (scope.kind) {
    case 'statement':
      return `${scope.class}: ${truncate(scope.statement.trim(), 200)}`;
    case 'session':
      return `session for ${formatDuration(scope.durationMs)}`;
    case 'command':
      return `ssh: ${truncate(scope.command.trim(), 200)}`;
    default:
      return scope satisfies never;
  }
}

function requesterLabel(r: ApprovalRequest): string {
  return `${terminalSafe(r.requesterName)}${r.requesterMachine ? ' [machine]' : ''}`;
}

function approvalsGiven(r: ApprovalRequest): number {
  return r.decisions.filter((d) => d.decision === 'approve').length;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}
