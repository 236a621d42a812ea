import type { BridgeEndpoint } from '../ipc/bridge-ipc.ts';
import type { SafeStorageTokenStore } from '../storage/safe-storage-token-store.ts';

/** The broker's bridge dispatcher as the shell uses it. */
export interface BrokerDispatcher extends BridgeEndpoint {
  onEvent(listener: (event: string, data: unknown) => void): () => void;
}

/** The broker, hosted in the main process for the app's whole lifetime. */
export interface RunningBroker {
  dispatcher: BrokerDispatcher;
  close(): Promise<void>;
}

export type StartBroker = (o: { tokenStore: SafeStorageTokenStore; openExternal: (url: string) => Promise<void> }) => Promise<RunningBroker>;
