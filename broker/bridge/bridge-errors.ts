import { NotSignedInError } from '../auth/session-tokens.ts';
import { OidcGrantError } from '../auth/oidc-client.ts';
import { ServerApiError, ServerUnreachableError } from '../server-client/server-api-errors.ts';
import { BridgeFailure } from './bridge-dispatcher.ts';

/**
 * Turns what the broker's own layers throw into the bridge's error codes, so the renderer can
 * branch on them (sign in again, show "not allowed", retry later) instead of parsing messages.
 */
export function toBridgeFailure(err: unknown): BridgeFailure {
  if (err instanceof BridgeFailure) return err;
  if (err instanceof NotSignedInError || err instanceof OidcGrantError) return new BridgeFailure('unauthenticated', 'you are not signed in, or your session has ended; sign in again');
  if (err instanceof ServerUnreachableError) return new BridgeFailure('unavailable', err.message);
  if (err instanceof ServerApiError) {
    if (err.status === 401) return new BridgeFailure('unauthenticated', err.message);
    if (err.status === 403) return new BridgeFailure('forbidden', err.message);
    if (err.status === 404) return new BridgeFailure('not-found', err.message);
    if (err.status === 400 || err.status === 409 || err.status === 422) return new BridgeFailure('invalid', err.message);
    if (err.retryable) return new BridgeFailure('unavailable', err.message);
    return new BridgeFailure('failed', err.message);
  }
  if (err instanceof RangeError) return new BridgeFailure('invalid', err.message);
  return new BridgeFailure('failed', err instanceof Error ? err.message : String(err));
}

/** Runs a handler body with its failures translated. */
export async function translated<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toBridgeFailure(err);
  }
}
