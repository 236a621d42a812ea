import type { BridgeError } from '../../shared/bridge/bridge-envelope.ts';
import type { BridgeEndpoint } from '../ipc/bridge-ipc.ts';
import type { RunningBroker } from './broker-host.ts';

/**
 * The broker while it starts (resuming a sign-in can wait on the network): the window is
 * already up, and its calls wait here for the broker instead of failing.
 */
export class StartingBroker implements BridgeEndpoint {
  constructor(private readonly starting: Promise<RunningBroker>) {}

  async call(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: BridgeError }> {
    let broker: RunningBroker;
    try {
      broker = await this.starting;
    } catch (error) {
      return { ok: false, error: { code: 'unavailable', message: `the broker did not start: ${(error as Error).message}` } };
    }
    return broker.dispatcher.call(method, params);
  }

  ack(stream: string, bytes: number): void {
    this.starting.then(
      (broker) => broker.dispatcher.ack(stream, bytes),
      () => undefined,
    );
  }
}
