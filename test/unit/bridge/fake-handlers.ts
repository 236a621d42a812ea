import { bridgeMethods } from '../../../shared/bridge/bridge-methods.ts';
import { BridgeFailure, type BridgeHandlers } from '../../../broker/bridge/bridge-dispatcher.ts';

/** Every method answering 'unavailable', with the ones a test cares about replaced. */
export function handlersWith(overrides: Partial<BridgeHandlers>): BridgeHandlers {
  const all = Object.fromEntries(Object.keys(bridgeMethods).map((method) => [method, () => Promise.reject(new BridgeFailure('unavailable', `${method} is not part of this test`))]));
  return { ...all, ...overrides } as BridgeHandlers;
}
