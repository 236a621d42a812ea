import { useMemo } from 'react';
import { useSessionUser } from '../app-shell/session-user.tsx';
import { roleActionsFor, type RoleActions } from './role-actions.ts';

/** The signed-in person's actions, for hiding what their role may not do. */
export function useRoleActions(): RoleActions {
  const user = useSessionUser();
  return useMemo(() => roleActionsFor(user), [user]);
}
