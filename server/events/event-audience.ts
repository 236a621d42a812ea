import type { Principal, Role } from '../../shared/api/identity.ts';

/** An event's audience as stored in server_events (every list present). */
export interface StoredAudience {
  subjects: string[];
  groups: string[];
  roles: Role[];
}

/**
 * Whether `principal` may receive an event: they are one of its subjects, or hold one of its
 * groups or roles. A new request is never announced to its own requester as something to
 * decide, even when they are in the approver group: they get approval.updated instead.
 */
export function mayReceive(principal: Principal, audience: StoredAudience, event: { type: string; request?: { requester: string } }): boolean {
  if (event.type === 'approval.requested' && event.request?.requester === principal.subject) return false;
  if (audience.subjects.includes(principal.subject)) return true;
  if (audience.groups.some((group) => principal.groups.includes(group))) return true;
  return audience.roles.some((role) => principal.roles.includes(role));
}
