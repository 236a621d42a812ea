import { bridgeEvents } from '../../shared/bridge/bridge-methods.ts';
import type { BrokerDispatcher } from './broker-host.ts';

export interface BrokerEventSinks {
  /** Every event goes to the renderer. */
  toRenderer(event: string, data: unknown): void;
  pendingApprovals(count: number): void;
  notification(data: unknown): void;
  /** The server and IdP the session points at: the external-link allowlist follows them. */
  trustedSites(serverUrl: string | null, issuer: string | null): void;
}

/** Fans the broker's events out to the renderer and to the shell's own tray, notifications and allowlist. */
export function connectBrokerEvents(dispatcher: BrokerDispatcher, sinks: BrokerEventSinks): () => void {
  return dispatcher.onEvent((event, data) => {
    sinks.toRenderer(event, data);
    if (event === 'approvals.pending') {
      const parsed = bridgeEvents['approvals.pending'].safeParse(data);
      if (parsed.success) sinks.pendingApprovals(parsed.data.count);
    } else if (event === 'notification') {
      sinks.notification(data);
    } else if (event === 'session.changed') {
      const parsed = bridgeEvents['session.changed'].safeParse(data);
      if (parsed.success) sinks.trustedSites(parsed.data.serverUrl, parsed.data.issuer);
    }
  });
}
