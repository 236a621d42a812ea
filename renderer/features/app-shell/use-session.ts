import { useCallback, useEffect, useState } from 'react';
import type { SessionState } from '../../../shared/bridge/session-bridge.ts';
import { useBridge, useBridgeEvent, useLinkStatus } from '../../bridge/bridge-react.tsx';

export interface SessionHandle {
  session: SessionState | null;
  error: string | null;
  setSession: (session: SessionState) => void;
  reload: () => void;
}

/** The sign-in state: asked for whenever the link (re)opens, then kept current by `session.changed`. */
export function useSession(): SessionHandle {
  const client = useBridge();
  const link = useLinkStatus();
  const [session, setSession] = useState<SessionState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (link.state !== 'open') return;
    let live = true;
    client
      .call('session.state', {})
      .then((state) => {
        if (!live) return;
        setSession(state);
        setError(null);
      })
      .catch((e: Error) => {
        if (live) setError(e.message);
      });
    return () => {
      live = false;
    };
  }, [client, link.state, attempt]);

  useBridgeEvent('session.changed', (state) => setSession(state));

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { session, error, setSession, reload };
}
