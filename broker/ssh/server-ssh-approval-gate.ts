import { SSH_EXEC_DEFAULT_RULE, SSH_SESSION_RULE } from '../../shared/api/approvals.ts';
import type { ApprovalCreate, ApprovalRequest } from '../../shared/api/approvals.ts';
import { ServerApprovalGate } from '../policy/server-approval-gate.ts';
import type { ServerApi } from '../server-client/api-client.ts';
import type { ServerEventStream } from '../server-client/event-stream.ts';
import type { ApprovalProgress, SshApprovalGate, SshApprovalOutcome, SshExecApprovalRequest, SshSessionApprovalRequest } from './ssh-approval-gate.ts';

export interface ServerSshApprovalGateOptions {
  /** The id `gatehouse connect` leased under: requests are bound to it, and only it can use them. */
  brokerSessionId: string;
  /** The policy version the listener enforces; requests cite it and the server checks it is current. */
  policyVersion: () => number;
  /** How often a waiting request is re-read besides the server-sent events. Default 5 s. */
  pollMs?: number;
}

type Scope = ApprovalCreate['scope'];

/**
 * SSH approvals through the policy server: an exec command is a `command` request, a JIT
 * session a `session` request. The server decides who may approve from its own copy of the
 * policy; the decision arrives as a server-sent event (or by polling), and an approval is
 * redeemed at once — single use, for exactly the command or session it was given for.
 * Anything that goes wrong is a refusal with its reason, never an open door.
 */
export class ServerSshApprovalGate implements SshApprovalGate {
  private readonly requests: ServerApprovalGate;

  constructor(
    api: ServerApi,
    events: ServerEventStream,
    private readonly o: ServerSshApprovalGateOptions,
  ) {
    this.requests = new ServerApprovalGate(api, events, { brokerSessionId: o.brokerSessionId, ...(o.pollMs === undefined ? {} : { pollMs: o.pollMs }) });
  }

  async requestExec(request: SshExecApprovalRequest, progress: ApprovalProgress): Promise<SshApprovalOutcome> {
    const answer = await this.ask(request.connection, { kind: 'command', command: request.command }, request.rule ?? SSH_EXEC_DEFAULT_RULE, request.command, progress);
    return answer.outcome;
  }

  async requestSession(request: SshSessionApprovalRequest, progress: ApprovalProgress): Promise<SshApprovalOutcome> {
    const answer = await this.ask(request.connection, { kind: 'session', durationMs: request.durationMs }, SSH_SESSION_RULE, '', progress);
    if (!answer.outcome.approved || answer.decided === null) return answer.outcome;
    // The window runs from the decision, as the approver saw it, not from when we heard of it.
    const from = answer.decided.decidedAt === null ? Date.now() : Date.parse(answer.decided.decidedAt);
    return { ...answer.outcome, expiresAt: new Date(from + request.durationMs) };
  }

  private async ask(connection: string, scope: Scope, rule: string, redeemAs: string, progress: ApprovalProgress): Promise<{ outcome: SshApprovalOutcome; decided: ApprovalRequest | null }> {
    let created: ApprovalRequest;
    try {
      created = await this.requests.create({ connection, scope, rule, policyVersion: this.o.policyVersion(), brokerSessionId: this.o.brokerSessionId });
    } catch (err) {
      return { outcome: { approved: false, reason: `the policy server did not take the approval request: ${(err as Error).message}` }, decided: null };
    }
    const requestId = created.id;
    if (progress.signal.aborted) return { outcome: await this.withdraw(requestId), decided: null };
    progress.pending(requestId);
    let decided: ApprovalRequest;
    try {
      decided = await this.requests.waitForDecision(requestId, progress.signal);
    } catch {
      return { outcome: await this.withdraw(requestId), decided: null };
    }
    const outcome = await this.settle(decided, redeemAs);
    return { outcome, decided: outcome.approved ? decided : null };
  }

  private async settle(decided: ApprovalRequest, redeemAs: string): Promise<SshApprovalOutcome> {
    const requestId = decided.id;
    switch (decided.state) {
      case 'approved':
        try {
          await this.requests.redeem(requestId, redeemAs, '', this.o.brokerSessionId);
        } catch (err) {
          return { approved: false, reason: `request ${requestId} was approved but could not be used: ${(err as Error).message}`, requestId };
        }
        return { approved: true, reason: `approved${deciders(decided, 'approve')}`, requestId };
      case 'denied':
        return { approved: false, reason: `request ${requestId} was denied${deciders(decided, 'deny')}`, requestId };
      case 'expired':
        return { approved: false, reason: `request ${requestId} expired without a decision`, requestId };
      case 'cancelled':
        return { approved: false, reason: `request ${requestId} was cancelled`, requestId };
      case 'executed':
        return { approved: false, reason: `request ${requestId} was already used`, requestId };
      case 'pending':
        return { approved: false, reason: `request ${requestId} is still pending`, requestId };
      default:
        return decided.state satisfies never;
    }
  }

  /** The client left or the session was killed while waiting: nobody should be asked any more. */
  private async withdraw(requestId: string): Promise<SshApprovalOutcome> {
    await this.requests.cancel(requestId).catch(() => undefined);
    return { approved: false, reason: `request ${requestId} was withdrawn: the session ended while it waited`, requestId };
  }
}

/** ` by Bob (comment), Erin` — who made the decision, with what they said. */
function deciders(request: ApprovalRequest, decision: 'approve' | 'deny'): string {
  const who = request.decisions.filter((d) => d.decision === decision).map((d) => `${d.approverName}${d.comment === '' ? '' : ` (${d.comment})`}`);
  return who.length === 0 ? '' : ` by ${who.join(', ')}`;
}
