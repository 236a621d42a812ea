import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useBridge, useBridgeEvent, useLinkStatus } from '../../bridge/bridge-react.tsx';

const PendingApprovalsContext = createContext(0);

/** Pending requests I may decide: asked for when the link opens, then pushed by `approvals.pending`. */
export function PendingApprovalsProvider({ children }: { children: ReactNode }) {
  const client = useBridge();
  const link = useLinkStatus();
  const [count, setCount] = useState(0);

  useEffect(() => {
    if (link.state !== 'open') return;
    let live = true;
    client
      .call('approvals.inbox', {})
      .then((inbox) => {
        if (live) setCount(inbox.pendingForMe);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [client, link.state]);

  useBridgeEvent('approvals.pending', ({ count: next }) => setCount(next));

  useEffect(() => {
    document.title = count > 0 ? `(${count}) Gatehouse` : 'Gatehouse';
  }, [count]);

  return <PendingApprovalsContext.Provider value={count}>{children}</PendingApprovalsContext.Provider>;
}

export function usePendingApprovalCount(): number {
  return useContext(PendingApprovalsContext);
}
