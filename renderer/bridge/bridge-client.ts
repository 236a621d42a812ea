import type { BridgeError } from '../../shared/bridge/bridge-envelope.ts';
import {
  bridgeEvents,
  bridgeMethods,
  type BridgeEventData,
  type BridgeEventName,
  type BridgeMethod,
  type BridgeParams,
  type BridgeReply,
} from '../../shared/bridge/bridge-methods.ts';
import type { BridgeTransport, LinkStatus } from './bridge-transport.ts';

/** A call the broker refused or could not complete, with the contract's stable code. */
export class BridgeCallError extends Error {
  constructor(
    readonly code: BridgeError['code'],
    message: string,
    readonly method: string,
  ) {
    super(message);
    this.name = 'BridgeCallError';
  }
}

type AnyHandler = (data: unknown) => void;

/**
 * The renderer's only way to the broker: typed calls and events from the shared contract,
 * over whichever transport the page was given. Results and events are checked against the
 * contract's schemas, so the UI can trust their shapes.
 */
export class BridgeClient {
  private readonly handlers = new Map<string, Set<AnyHandler>>();
  private readonly detachTransport: () => void;

  constructor(private readonly transport: BridgeTransport) {
    this.detachTransport = transport.onEvent((event, data) => this.dispatch(event, data));
  }

  async call<M extends BridgeMethod>(method: M, params: BridgeParams<M>): Promise<BridgeReply<M>> {
    const outcome = await this.transport.call(method, params);
    if (!outcome.ok) throw new BridgeCallError(outcome.error.code, outcome.error.message, method);
    const parsed = bridgeMethods[method].result.safeParse(outcome.result);
    if (!parsed.success) throw new BridgeCallError('invalid', `${method}: the broker's answer does not match the contract`, method);
    return parsed.data as BridgeReply<M>;
  }

  on<E extends BridgeEventName>(event: E, handler: (data: BridgeEventData<E>) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    const erased = handler as AnyHandler;
    set.add(erased);
    return () => {
      set.delete(erased);
    };
  }

  ack(stream: string, bytes: number): void {
    this.transport.ack(stream, bytes);
  }

  status(): LinkStatus {
    return this.transport.status();
  }

  onStatus(listener: (status: LinkStatus) => void): () => void {
    return this.transport.onStatus(listener);
  }

  retryNow(): void {
    this.transport.retryNow();
  }

  close(): void {
    this.detachTransport();
    this.transport.close();
  }

  private dispatch(event: string, data: unknown): void {
    const set = this.handlers.get(event);
    if (!set || set.size === 0 || !Object.hasOwn(bridgeEvents, event)) return;
    const parsed = bridgeEvents[event as BridgeEventName].safeParse(data);
    if (!parsed.success) {
      console.warn(`bridge event ${event} does not match the contract; dropped`);
      return;
    }
    for (const handler of [...set]) {
      try {
        handler(parsed.data);
      } catch (e) {
        // One broken view must not stop the others from hearing the event.
        console.error(`bridge event ${event} handler failed`, e);
      }
    }
  }
}
