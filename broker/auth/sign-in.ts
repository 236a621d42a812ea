import type { Principal } from '../../shared/api/identity.ts';
import { ServerApi } from '../server-client/api-client.ts';
import { OidcClient } from './oidc-client.ts';
import { loginWithBrowser, type BrowserLoginOptions } from './oidc-login.ts';
import { TokenStore, normalizeServerUrl, type StoredLogin } from './token-store.ts';

export interface SignInOptions extends Omit<BrowserLoginOptions, 'oidc'> {
  serverUrl: string;
  store?: TokenStore;
  fetch?: typeof fetch;
}

export interface SignInResult {
  login: StoredLogin;
  /** Who the server says we are with the new token. */
  principal: Principal;
}

/**
 * The whole of `gatehouse login`: learn the IdP from the server (GET /v1/auth/config), sign in
 * through the browser, prove the server accepts the token (GET /v1/me), then store it.
 */
export async function signInToServer(opts: SignInOptions): Promise<SignInResult> {
  const serverUrl = normalizeServerUrl(opts.serverUrl);
  const apiOptions = opts.fetch === undefined ? {} : { fetch: opts.fetch };
  const anonymous = new ServerApi(serverUrl, { accessToken: () => Promise.reject(new Error('GET /v1/auth/config needs no token')) }, apiOptions);
  const authConfig = await anonymous.authConfig();
  const oidc = await OidcClient.discover(authConfig);
  const tokens = await loginWithBrowser({ ...opts, oidc });
  const principal = await new ServerApi(serverUrl, { accessToken: () => Promise.resolve(tokens.accessToken) }, apiOptions).me();
  const login: StoredLogin = {
    serverUrl,
    authConfig,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    idToken: tokens.idToken,
    expiresAt: tokens.expiresAt,
    subject: principal.subject,
    name: principal.name,
    savedAt: new Date().toISOString(),
  };
  await (opts.store ?? new TokenStore()).put(login);
  return { login, principal };
}
