import type { BridgeOutcome, BridgeTransport, LinkStatus } from './bridge-transport.ts';

/**
 * What the Electron preload exposes with `contextBridge.exposeInMainWorld('gatehouse', …)`.
 * The preload implements exactly this shape; it carries envelopes only, never tokens.
 */
export interface GatehousePreloadApi {
  call(method: string, params: unknown): Promise<BridgeOutcome>;
  /** Returns a function that stops the listener. */
  onEvent(listener: (event: string, data: unknown) => void): () => void;
  ack(stream: string, bytes: number): void;
}

declare global {
  interface Window {
    /** Present only inside the Electron shell. */
    gatehouse?: GatehousePreloadApi;
  }
}

/** The Electron transport: IPC through the preload, which is up for as long as the window is. */
export class ElectronTransport implements BridgeTransport {
  private readonly open: LinkStatus = { state: 'open' };

  constructor(private readonly api: GatehousePreloadApi) {}

  async call(method: string, params: unknown): Promise<BridgeOutcome> {
    try {
      return await this.api.call(method, params);
    } catch (e) {
      return { ok: false, error: { code: 'unavailable', message: (e as Error).message || `${method} failed in the shell` } };
    }
  }

  onEvent(listener: (event: string, data: unknown) => void): () => void {
    return this.api.onEvent(listener);
  }

  ack(stream: string, bytes: number): void {
    this.api.ack(stream, bytes);
  }

  status(): LinkStatus {
    return this.open;
  }

  onStatus(): () => void {
    return () => undefined;
  }

  retryNow(): void {}

  close(): void {}
}
