import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import type { AppNotification } from '../../shared/bridge/approvals-bridge.ts';

const STATEMENT_PREVIEW = 140;

/**
 * Which approval changes deserve an OS notification, and what it says: a pending request I may
 * decide (new, or newly mine through escalation), and the outcome of a request I made. Each
 * (request, state) is announced once, however many events repeat it.
 */
export class ApprovalNotifier {
  private readonly announced = new Set<string>();

  constructor(private readonly mySubject: string) {}

  notificationFor(request: ApprovalRequest): AppNotification | null {
    // An approved statement is redeemed at once, so a subscriber may first hear of it as
    // `executed`: both are the same news to the requester, announced once.
    const key = `${request.id}:${request.state === 'executed' ? 'approved' : request.state}`;
    if (this.announced.has(key)) return null;
    const notification = this.compose(request);
    if (notification !== null) {
      this.announced.add(key);
      if (this.announced.size > 5000) this.announced.clear();
    }
    return notification;
  }

  private compose(request: ApprovalRequest): AppNotification | null {
    const deepLink = `gatehouse://approvals/${encodeURIComponent(request.id)}`;
    const mine = request.requester === this.mySubject;
    if (!mine) {
      if (request.state !== 'pending' || (request.cannotDecideReason ?? null) !== null) return null;
      return { title: `Approval requested on ${request.connection}`, body: `${request.requesterName} asks to run ${whatOf(request)}${request.justification === null ? '' : ` — “${request.justification}”`}`, deepLink };
    }
    switch (request.state) {
      case 'approved':
      case 'executed':
        return { title: `Approved on ${request.connection}`, body: `${decidersOf(request, 'approve')} approved ${whatOf(request)}`, deepLink };
      case 'denied': {
        const denial = [...request.decisions].reverse().find((d) => d.decision === 'deny');
        const comment = denial === undefined || denial.comment === '' ? '' : `: “${denial.comment}”`;
        return { title: `Denied on ${request.connection}`, body: `${denial?.approverName ?? 'An approver'} denied ${whatOf(request)}${comment}`, deepLink };
      }
      case 'expired':
        return { title: `Request expired on ${request.connection}`, body: `Nobody decided ${whatOf(request)} in time; it counts as denied`, deepLink };
      case 'pending':
      case 'cancelled':
        return null;
      default:
        return request.state satisfies never;
    }
  }
}

function whatOf(request: ApprovalRequest): string {
  const scope = request.scope;
  switch (scope.kind) {
    case 'session':
      return `a session of ${Math.round(scope.durationMs / 60_000)} min`;
    case 'statement':
      return `a ${scope.class} statement: ${preview(scope.statement)}`;
    case 'command':
      return `the command ${preview(scope.command)}`;
    default:
      return scope satisfies never;
  }
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > STATEMENT_PREVIEW ? `${flat.slice(0, STATEMENT_PREVIEW)}…` : flat;
}

function decidersOf(request: ApprovalRequest, decision: 'approve' | 'deny'): string {
  const names = request.decisions.filter((d) => d.decision === decision).map((d) => d.approverName);
  return names.length === 0 ? 'An approver' : names.join(', ');
}
