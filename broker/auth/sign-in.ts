import type { AuthConfig, Principal } from '../../shared/api/identity.ts';
import { ServerApi } from '../server-client/api-client.ts';
import { OidcClient, type OidcTokens } from './oidc-client.ts';
import { loginWithBrowser, type BrowserLoginOptions } from './oidc-login.ts';
import { FileTokenStore, normalizeServerUrl, type StoredLogin, type TokenStore } from './token-store.ts';

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
  const authConfig = await fetchAuthConfig(serverUrl, opts.fetch);
  const oidc = await OidcClient.discover(authConfig);
  const tokens = await loginWithBrowser({ ...opts, oidc });
  return storeSignIn({ serverUrl, authConfig, tokens, store: opts.store ?? new FileTokenStore(), ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }) });
}

/** GET /v1/auth/config: which IdP the server trusts, with which client id and audience. */
export async function fetchAuthConfig(serverUrl: string, fetchImpl?: typeof fetch): Promise<AuthConfig> {
  const apiOptions = fetchImpl === undefined ? {} : { fetch: fetchImpl };
  const anonymous = new ServerApi(normalizeServerUrl(serverUrl), { accessToken: () => Promise.reject(new Error('GET /v1/auth/config needs no token')) }, apiOptions);
  return anonymous.authConfig();
}

/** The end of every interactive sign-in: the server must accept the new token before it is kept. */
export async function storeSignIn(o: { serverUrl: string; authConfig: AuthConfig; tokens: OidcTokens; store: TokenStore; fetch?: typeof fetch }): Promise<SignInResult> {
  const serverUrl = normalizeServerUrl(o.serverUrl);
  const apiOptions = o.fetch === undefined ? {} : { fetch: o.fetch };
  const principal = await new ServerApi(serverUrl, { accessToken: () => Promise.resolve(o.tokens.accessToken) }, apiOptions).me();
  const login: StoredLogin = {
    serverUrl,
    authConfig: o.authConfig,
    accessToken: o.tokens.accessToken,
    refreshToken: o.tokens.refreshToken,
    idToken: o.tokens.idToken,
    expiresAt: o.tokens.expiresAt,
    subject: principal.subject,
    name: principal.name,
    savedAt: new Date().toISOString(),
  };
  await o.store.put(login);
  return { login, principal };
}
