import { z } from 'zod';
import { principalSchema } from '../api/identity.ts';

/** Where the renderer runs: the Electron shell, or a browser tab served by `gatehouse ui`. */
export const bridgeHostSchema = z.enum(['electron', 'browser']);

/** The app's sign-in state; never a token. */
export const sessionStateSchema = z.object({
  host: bridgeHostSchema,
  /** null on the first run, before the user has named a server. */
  serverUrl: z.string().nullable(),
  /** The IdP the server points at, once discovered. */
  issuer: z.string().nullable(),
  signedIn: z.boolean(),
  user: principalSchema.nullable(),
  /** When the access token runs out (refreshed silently before then when a refresh token exists). */
  expiresAt: z.string().nullable(),
  /** True when the session will end at expiresAt because it cannot be refreshed. */
  expiryWarning: z.boolean(),
});
export type SessionState = z.infer<typeof sessionStateSchema>;

export const setServerParamsSchema = z.object({ url: z.string().url() });

/**
 * Sign-in starts a loopback redirect listener in the broker (RFC 8252) and returns the IdP's
 * authorization URL. In Electron the broker opens it in the system browser; in a browser tab
 * the renderer opens it. Completion arrives as a `session.changed` event.
 */
export const signInResultSchema = z.object({
  authorizationUrl: z.string().url(),
  openedBy: z.enum(['broker', 'renderer']),
});
