import type { BridgeError } from '../../shared/bridge/bridge-envelope.ts';

/** What one call yields on the wire, before the client checks the result against the contract. */
export type BridgeOutcome = { ok: true; result: unknown } | { ok: false; error: BridgeError };

/** The link to the broker as the UI shows it. */
export type LinkStatus =
  | { state: 'connecting' }
  | { state: 'open' }
  /** The last attempt failed; the next one starts at `retryAt` (epoch ms). */
  | { state: 'unreachable'; attempt: number; retryAt: number; reason: string }
  /** The page has no bridge token, so there is nothing to connect with. */
  | { state: 'no-token' }
  | { state: 'closed' };

/**
 * One way of reaching the broker (Electron IPC or the `gatehouse ui` WebSocket). Transports
 * move envelopes; the BridgeClient on top types and validates them.
 */
export interface BridgeTransport {
  call(method: string, params: unknown): Promise<BridgeOutcome>;
  onEvent(listener: (event: string, data: unknown) => void): () => void;
  ack(stream: string, bytes: number): void;
  status(): LinkStatus;
  onStatus(listener: (status: LinkStatus) => void): () => void;
  /** Skip the remaining backoff and try to connect now (no-op when already open). */
  retryNow(): void;
  close(): void;
}
