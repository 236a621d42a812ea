import { createContext, useContext, useEffect, useRef, useSyncExternalStore, type ReactNode } from 'react';
import type { BridgeEventData, BridgeEventName } from '../../shared/bridge/bridge-methods.ts';
import type { BridgeClient } from './bridge-client.ts';
import type { LinkStatus } from './bridge-transport.ts';

const BridgeContext = createContext<BridgeClient | null>(null);

export function BridgeProvider({ client, children }: { client: BridgeClient; children: ReactNode }) {
  return <BridgeContext.Provider value={client}>{children}</BridgeContext.Provider>;
}

export function useBridge(): BridgeClient {
  const client = useContext(BridgeContext);
  if (!client) throw new Error('useBridge outside BridgeProvider');
  return client;
}

/** Subscribes for the component's lifetime; the latest handler is always the one called. */
export function useBridgeEvent<E extends BridgeEventName>(event: E, handler: (data: BridgeEventData<E>) => void): void {
  const client = useBridge();
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => client.on(event, (data) => latest.current(data)), [client, event]);
}

export function useLinkStatus(): LinkStatus {
  const client = useBridge();
  return useSyncExternalStore(
    (onChange) => client.onStatus(onChange),
    () => client.status(),
  );
}
