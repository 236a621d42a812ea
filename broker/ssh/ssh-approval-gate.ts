/**
 * What the SSH proxy needs from the policy server to hold an exec command or a whole session
 * for a human approval. The server client implements it; without one (offline) anything
 * that needs an approval is refused with a message naming who could have approved it.
 */
export interface SshApprovalGate {
  requestExec(request: SshExecApprovalRequest, progress: ApprovalProgress): Promise<SshApprovalOutcome>;
  requestSession(request: SshSessionApprovalRequest, progress: ApprovalProgress): Promise<SshApprovalOutcome>;
}

interface ApprovalRequestBase {
  connection: string;
  /** The proxy's SSH session id (one client connection). */
  sessionId: string;
  /** The exec rule that asked for approval; null for the exec default or a session approval. */
  rule: string | null;
  approvers: string[];
  /** What the policy tells the approver, or why approval is needed. */
  message: string;
}

export interface SshExecApprovalRequest extends ApprovalRequestBase {
  command: string;
}

export interface SshSessionApprovalRequest extends ApprovalRequestBase {
  durationMs: number;
}

export interface ApprovalProgress {
  /** Aborted when the client goes away or the session is killed: withdraw the request. */
  signal: AbortSignal;
  /** Call once the request exists, so the client can be told who it waits for and which request it is. */
  pending(requestId: string): void;
}

export interface SshApprovalOutcome {
  approved: boolean;
  /** Shown to the client: who decided and why, or why it expired. */
  reason: string;
  requestId?: string;
  /** Session approvals: when the window closes and the session with it. */
  expiresAt?: Date;
}

export function describeWaiting(what: string, approvers: readonly string[], requestId: string): string {
  return `gatehouse: ${what} is waiting for approval by ${approvers.join(', ')} (request ${requestId}); it continues when approved.`;
}

export function describeOffline(what: string, approvers: readonly string[]): string {
  return `gatehouse: ${what} needs approval by ${approvers.join(', ')}, but this proxy has no connection to the policy server to ask for it; refused.`;
}
