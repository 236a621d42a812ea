import type { Principal } from '../../../shared/api/identity.ts';

/** What the signed-in person may see and do in the UI. The server refuses the rest anyway; hiding it keeps the UI honest. */
export interface RoleActions {
  /** Open a connection: query pane, terminal, local port. */
  openConnections: boolean;
  /** Approve or deny someone's request. */
  decideRequests: boolean;
  /** Everyone's audit records and recordings, not only my own. */
  seeEveryonesHistory: boolean;
  /** Check the audit chain (the server allows auditors and admins). */
  verifyAuditChain: boolean;
  /** Connections and policies: the admin views. */
  administer: boolean;
}

const NOBODY: RoleActions = { openConnections: false, decideRequests: false, seeEveryonesHistory: false, verifyAuditChain: false, administer: false };

/**
 * Segregation of duties: an auditor never runs a session nor decides a request, whatever other
 * roles or groups they hold, because they must be separate from the people they audit.
 */
export function roleActionsFor(user: Principal | null): RoleActions {
  if (user === null) return NOBODY;
  const has = (role: Principal['roles'][number]) => user.roles.includes(role);
  const auditor = has('auditor');
  const admin = has('admin');
  return {
    openConnections: !auditor,
    decideRequests: !auditor,
    seeEveryonesHistory: auditor || admin,
    verifyAuditChain: auditor || admin,
    administer: admin,
  };
}
