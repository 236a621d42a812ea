import { describe, expect, it } from 'vitest';
import { roleActionsFor } from '../../../renderer/features/roles/role-actions.ts';
import type { Principal, Role } from '../../../shared/api/identity.ts';

const user = (roles: Role[], approverGroups: string[] = []): Principal => ({ subject: 's', name: 'n', groups: [], roles, approverGroups, machine: false });

describe('roleActionsFor', () => {
  it('lets analysts open connections and see only their own history', () => {
    expect(roleActionsFor(user(['analyst']))).toEqual({ openConnections: true, decideRequests: true, seeEveryonesHistory: false, verifyAuditChain: false, administer: false });
  });

  it('lets auditors see everything and verify, but never open a connection or decide, whatever else they hold', () => {
    for (const roles of [['auditor'], ['auditor', 'analyst'], ['auditor', 'approver']] as Role[][]) {
      const actions = roleActionsFor(user(roles, ['ops']));
      expect(actions.openConnections).toBe(false);
      expect(actions.decideRequests).toBe(false);
      expect(actions.seeEveryonesHistory).toBe(true);
      expect(actions.verifyAuditChain).toBe(true);
    }
  });

  it('shows admins the admin views and the whole trail', () => {
    expect(roleActionsFor(user(['admin']))).toMatchObject({ administer: true, seeEveryonesHistory: true, openConnections: true });
  });

  it('allows nothing before sign-in', () => {
    expect(Object.values(roleActionsFor(null)).every((allowed) => !allowed)).toBe(true);
  });
});
