import { ACK_CHANNEL, CALL_CHANNEL, EVENT_CHANNEL } from '../ipc/bridge-channels.ts';

/*
 * Runs in the sandboxed preload: no npm packages (a sandboxed preload can require only
 * 'electron'), no Node.js, and nothing of ipcRenderer or its events reaches the page.
 */

/** The part of ipcRenderer the preload uses; `on` listeners get the payload only, never the IPC event. */
export interface PreloadIpc {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  send(channel: string, payload: unknown): void;
  on(channel: string, listener: (payload: unknown) => void): void;
}

export type BridgeOutcome = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

/** What `window.gatehouse` offers the renderer (renderer/bridge/electron-bridge.ts expects exactly this). */
export interface GatehousePreloadApi {
  call(method: string, params: unknown): Promise<BridgeOutcome>;
  onEvent(listener: (event: string, data: unknown) => void): () => void;
  ack(stream: string, bytes: number): void;
}

/** Events that arrive before the page has subscribed (a deep link at startup) wait, up to this many. */
const MAX_EARLY_EVENTS = 200;

export function createPreloadApi(ipc: PreloadIpc): GatehousePreloadApi {
  const listeners = new Set<(event: string, data: unknown) => void>();
  let early: { event: string; data: unknown }[] | undefined = [];

  ipc.on(EVENT_CHANNEL, (payload) => {
    if (typeof payload !== 'object' || payload === null) return;
    const { event, data } = payload as { event?: unknown; data?: unknown };
    if (typeof event !== 'string') return;
    if (early !== undefined) {
      if (early.length < MAX_EARLY_EVENTS) early.push({ event, data });
      return;
    }
    for (const listener of [...listeners]) listener(event, data);
  });

  return {
    async call(method, params) {
      if (typeof method !== 'string') return { ok: false, error: { code: 'invalid', message: 'method must be a string' } };
      return (await ipc.invoke(CALL_CHANNEL, { method, params: params ?? {} })) as BridgeOutcome;
    },
    onEvent(listener) {
      if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
      listeners.add(listener);
      if (early !== undefined) {
        const waiting = early;
        early = undefined;
        // After the caller has its unsubscribe function in hand.
        void Promise.resolve().then(() => {
          for (const { event, data } of waiting) for (const each of [...listeners]) each(event, data);
        });
      }
      return () => {
        listeners.delete(listener);
      };
    },
    ack(stream, bytes) {
      ipc.send(ACK_CHANNEL, { stream, bytes });
    },
  };
}
