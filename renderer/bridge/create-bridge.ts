import { BridgeClient } from './bridge-client.ts';
import { bridgeSocketUrl, takeTokenFromHash } from './bridge-token.ts';
import type { BridgeOutcome, BridgeTransport, LinkStatus } from './bridge-transport.ts';
import { ElectronTransport } from './electron-bridge.ts';
import { WebSocketTransport, type SocketFactory } from './websocket-transport.ts';

const TOKEN_KEY = 'gatehouse.bridgeToken';

/** Picks the transport for this page: the Electron preload when present, else the `gatehouse ui` WebSocket. */
export function createBridge(): BridgeClient {
  if (window.gatehouse) return new BridgeClient(new ElectronTransport(window.gatehouse));
  const token = pageToken();
  if (!token) return new BridgeClient(new NoTokenTransport());
  return new BridgeClient(new WebSocketTransport({ url: bridgeSocketUrl(location.protocol, location.host, token), createSocket: browserSocket }));
}

/**
 * Takes the token out of the address bar (so it is not bookmarked, shared or left in history)
 * but keeps it for this tab, so a reload still works.
 */
function pageToken(): string | null {
  const taken = takeTokenFromHash(location.hash);
  if (taken) {
    try {
      sessionStorage.setItem(TOKEN_KEY, taken.token);
    } catch {
      // Storage can be disabled; the token still works for this page's lifetime.
    }
    history.replaceState(null, '', `${location.pathname}${location.search}${taken.restHash}`);
    return taken.token;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

const browserSocket: SocketFactory = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.onopen = () => handlers.open();
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') handlers.message(event.data);
  };
  socket.onclose = (event) => handlers.close(event.code, event.reason);
  return { send: (text) => socket.send(text), close: () => socket.close() };
};

/** A page opened without its token: nothing to connect with, and the UI says so. */
class NoTokenTransport implements BridgeTransport {
  private readonly current: LinkStatus = { state: 'no-token' };
  async call(): Promise<BridgeOutcome> {
    return { ok: false, error: { code: 'unavailable', message: 'this page has no bridge token' } };
  }
  onEvent(): () => void {
    return () => undefined;
  }
  ack(): void {}
  status(): LinkStatus {
    return this.current;
  }
  onStatus(): () => void {
    return () => undefined;
  }
  retryNow(): void {}
  close(): void {}
}
