import { ProtocolError } from '../../../broker/pg/protocol/protocol-error.ts';

/**
 * Runs `fn` and returns the ProtocolError it throws. Fails (by throwing) when it returns
 * normally or throws anything else, so a test can then assert on the SQLSTATE and message.
 */
export function catchProtocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw new Error(`expected a ProtocolError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a ProtocolError, but the call returned normally');
}
