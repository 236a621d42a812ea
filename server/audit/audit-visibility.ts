import type { Principal } from '../../shared/api/identity.ts';
import type { AuditFilters, AuditSelection } from './audit-query.ts';

/** Auditors and admins read everyone's records; everyone else reads only their own. */
export function mayReadWholeAuditLog(principal: Principal): boolean {
  return principal.roles.includes('auditor') || principal.roles.includes('admin');
}

/**
 * What a caller's search or export selects. "Their own" records are those whose actor is the
 * caller's name (what ingest records, see auditRecordFromEvent) or subject (what some
 * server-side records, such as logins, use). A caller limited to their own records who asks
 * for another user's gets nothing (both conditions apply), not their own under that name.
 */
export function auditSelectionFor(principal: Principal, filters: AuditFilters): AuditSelection {
  return { filters, onlyActors: mayReadWholeAuditLog(principal) ? null : [...new Set([principal.name, principal.subject])] };
}
