import type { ApprovalRequest } from '../../../shared/api/approvals.ts';

export function newestFirst(requests: readonly ApprovalRequest[]): ApprovalRequest[] {
  return [...requests].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id.localeCompare(a.id));
}

/** The list after a request was created or changed (an event or my own decision), newest first. */
export function upsertRequest(requests: readonly ApprovalRequest[], changed: ApprovalRequest): ApprovalRequest[] {
  const rest = requests.filter((r) => r.id !== changed.id);
  return newestFirst([changed, ...rest]);
}

export function canDecide(request: ApprovalRequest): boolean {
  return request.state === 'pending' && !request.cannotDecideReason;
}

export interface InboxGroups {
  /** Pending, and I may decide: the badge counts these. */
  toDecide: ApprovalRequest[];
  /** Mine, whatever their state: listed, never decidable by me. */
  mine: ApprovalRequest[];
  /** Everything else: decided, expired, or pending for someone else; kept for reference. */
  other: ApprovalRequest[];
}

export function groupInbox(requests: readonly ApprovalRequest[], mySubject: string | null): InboxGroups {
  const groups: InboxGroups = { toDecide: [], mine: [], other: [] };
  for (const request of newestFirst(requests)) {
    if (mySubject !== null && request.requester === mySubject) groups.mine.push(request);
    else if (canDecide(request)) groups.toDecide.push(request);
    else groups.other.push(request);
  }
  return groups;
}

/**
 * A fresh inbox merged into what the view already shows: fresh copies win, and requests that
 * dropped out of the inbox (decided, expired) stay listed for reference.
 */
export function mergeRequests(current: readonly ApprovalRequest[], fresh: readonly ApprovalRequest[]): ApprovalRequest[] {
  const freshIds = new Set(fresh.map((r) => r.id));
  return newestFirst([...fresh, ...current.filter((r) => !freshIds.has(r.id))]);
}
