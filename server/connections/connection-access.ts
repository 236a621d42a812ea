import type { Principal } from '../../shared/api/identity.ts';

/*
 * Who may see and who may open a connection. Seeing is about knowing a connection exists
 * (admins manage them, auditors review them); opening means receiving its credential, which
 * only members of its allowed groups ever do.
 */

/** Admins and auditors see every connection; everyone else only those they may open. */
export function seesEveryConnection(principal: Principal): boolean {
  return principal.roles.includes('admin') || principal.roles.includes('auditor');
}

export function isInAllowedGroups(principal: Principal, allowedGroups: readonly string[]): boolean {
  return principal.groups.some((group) => allowedGroups.includes(group));
}

export function canSeeConnection(principal: Principal, allowedGroups: readonly string[]): boolean {
  return seesEveryConnection(principal) || isInAllowedGroups(principal, allowedGroups);
}

/** Why `principal` may not lease this connection's credential, or null when it may. */
export function leaseRefusal(principal: Principal, allowedGroups: readonly string[]): string | null {
  // Segregation of duties: whoever audits sessions must not be able to run one, whatever groups they hold.
  if (principal.roles.includes('auditor')) return 'auditors cannot open connections';
  if (!isInAllowedGroups(principal, allowedGroups)) return 'none of your groups may open this connection';
  return null;
}
