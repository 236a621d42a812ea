import type { ApprovalRequest } from '../../shared/api/approvals.ts';
import type { Principal } from '../../shared/api/identity.ts';
import { isInAllowedGroups } from '../connections/connection-access.ts';
import { describeState } from './approval-state-machine.ts';

/*
 * Segregation of duties, decided on the server and nowhere else. Pure functions of the request
 * and the caller, so the HTTP answers, the inbox and the `cannotDecideReason` shown in the UI
 * can never disagree.
 */

export type DecidableRequest = Pick<ApprovalRequest, 'state' | 'requester' | 'approverGroups' | 'escalationGroups' | 'escalated' | 'decisions'>;

export type DecideVerdict = { ok: true } | { ok: false; status: 403 | 409; reason: string };

/** The groups whose members may decide now: the rule's approvers, plus the escalation groups once escalated. */
export function decidingGroups(request: Pick<DecidableRequest, 'approverGroups' | 'escalationGroups' | 'escalated'>): string[] {
  return request.escalated ? [...new Set([...request.approverGroups, ...request.escalationGroups])] : [...request.approverGroups];
}

/**
 * Whether `principal` may approve or deny `request` now. Membership counts only through the
 * principal's approver groups (IdP groups the server maps to the approver role), so an admin or
 * an auditor gains nothing from their role, and nobody ever decides their own request.
 */
export function canDecide(request: DecidableRequest, principal: Principal): DecideVerdict {
  if (request.requester === principal.subject) return { ok: false, status: 403, reason: 'you made this request' };
  if (principal.machine) return { ok: false, status: 403, reason: 'requests are decided by people, not by machine clients' };
  const groups = decidingGroups(request);
  if (!principal.approverGroups.some((group) => groups.includes(group))) {
    if (principal.approverGroups.length === 0 && principal.roles.includes('auditor')) {
      return { ok: false, status: 403, reason: `auditors cannot decide requests (you are not in ${groups.join(' or ')})` };
    }
    return { ok: false, status: 403, reason: `you are not in ${groups.join(' or ')}` };
  }
  if (request.state !== 'pending') return { ok: false, status: 409, reason: `already decided (${describeState(request.state)})` };
  const mine = request.decisions.find((d) => d.approver === principal.subject);
  if (mine !== undefined) return { ok: false, status: 409, reason: `you already ${mine.decision === 'approve' ? 'approved' : 'denied'} this request` };
  return { ok: true };
}

/** The reason shown to the caller, or null when they may decide. */
export function cannotDecideReason(request: DecidableRequest, principal: Principal): string | null {
  const verdict = canDecide(request, principal);
  return verdict.ok ? null : verdict.reason;
}

/**
 * Who may read a request: the requester, anyone who may (or, after escalation, will) decide it,
 * anyone who already did, auditors and admins.
 */
export function mayRead(request: DecidableRequest, principal: Principal): boolean {
  if (request.requester === principal.subject) return true;
  if (principal.roles.includes('auditor') || principal.roles.includes('admin')) return true;
  const groups = [...request.approverGroups, ...request.escalationGroups];
  if (principal.approverGroups.some((group) => groups.includes(group))) return true;
  return request.decisions.some((d) => d.approver === principal.subject);
}

export type RequestVerdict = { ok: true } | { ok: false; reason: string };

/** Whether `principal` may ask for approvals on a connection open to `allowedGroups`. Auditors never may: they only watch. */
export function mayRequest(principal: Principal, allowedGroups: readonly string[]): RequestVerdict {
  if (principal.roles.includes('auditor')) return { ok: false, reason: 'auditors cannot request approvals' };
  if (!isInAllowedGroups(principal, allowedGroups)) return { ok: false, reason: 'you are not in a group allowed to use this connection' };
  return { ok: true };
}
