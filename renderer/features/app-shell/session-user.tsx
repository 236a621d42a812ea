import { createContext, useContext, type ReactNode } from 'react';
import type { Principal } from '../../../shared/api/identity.ts';

const SessionUserContext = createContext<Principal | null>(null);

export function SessionUserProvider({ user, children }: { user: Principal | null; children: ReactNode }) {
  return <SessionUserContext.Provider value={user}>{children}</SessionUserContext.Provider>;
}

/** The signed-in person, for views that treat my own things differently (my approval requests). */
export function useSessionUser(): Principal | null {
  return useContext(SessionUserContext);
}
