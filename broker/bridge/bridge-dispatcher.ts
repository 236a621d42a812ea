import type { BridgeError } from '../../shared/bridge/bridge-envelope.ts';
import { bridgeEvents, bridgeMethods, type BridgeEventData, type BridgeEventName, type BridgeMethod, type BridgeReply } from '../../shared/bridge/bridge-methods.ts';
import type { z } from 'zod';

/** One handler per bridge method, given params already validated by the method's schema. */
export type BridgeHandlers = {
  [M in BridgeMethod]: (params: z.infer<(typeof bridgeMethods)[M]['params']>) => Promise<BridgeReply<M>>;
};

/** An error a handler throws to give the renderer a specific code instead of 'failed'. */
export class BridgeFailure extends Error {
  constructor(
    readonly code: BridgeError['code'],
    message: string,
  ) {
    super(message);
  }
}

export type BridgeEventListener = (event: BridgeEventName, data: unknown) => void;

/**
 * The broker's side of the bridge, shared by both transports: validates every call against
 * the contract, runs its handler and turns failures into the contract's error shape. Events
 * go to every attached transport.
 */
export class BridgeDispatcher {
  private readonly listeners = new Set<BridgeEventListener>();
  private readonly ackListeners = new Set<(stream: string, bytes: number) => void>();

  constructor(private readonly handlers: BridgeHandlers) {}

  async call(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: BridgeError }> {
    if (!Object.hasOwn(bridgeMethods, method)) return { ok: false, error: { code: 'invalid', message: `unknown method ${method}` } };
    const m = method as BridgeMethod;
    const parsed = bridgeMethods[m].params.safeParse(params ?? {});
    if (!parsed.success) return { ok: false, error: { code: 'invalid', message: `${method}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}` } };
    try {
      const handler = this.handlers[m] as (p: unknown) => Promise<unknown>;
      return { ok: true, result: await handler(parsed.data) };
    } catch (e) {
      if (e instanceof BridgeFailure) return { ok: false, error: { code: e.code, message: e.message } };
      return { ok: false, error: { code: 'failed', message: (e as Error).message ?? String(e) } };
    }
  }

  emit<E extends BridgeEventName>(event: E, data: BridgeEventData<E>): void {
    // Validate on the way out too: a bug must not put an unexpected shape (or a secret) on the wire.
    const checked = bridgeEvents[event].parse(data);
    for (const listener of this.listeners) listener(event, checked);
  }

  onEvent(listener: BridgeEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flow control: the renderer has consumed `bytes` more of `stream`. */
  ack(stream: string, bytes: number): void {
    for (const listener of this.ackListeners) listener(stream, bytes);
  }

  onAck(listener: (stream: string, bytes: number) => void): () => void {
    this.ackListeners.add(listener);
    return () => this.ackListeners.delete(listener);
  }
}
