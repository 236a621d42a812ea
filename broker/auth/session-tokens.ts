import type { AuthConfig } from '../../shared/api/identity.ts';
import { ServerApi, type AccessTokenSource } from '../server-client/api-client.ts';
import { OidcClient, OidcGrantError, type OidcTokens } from './oidc-client.ts';
import { FileTokenStore, normalizeServerUrl, type StoredLogin, type TokenStore } from './token-store.ts';

export type TokenSessionMode = 'user' | 'machine';

/** No usable sign-in: never signed in, signed out, or the IdP no longer honours the refresh token. */
export class NotSignedInError extends Error {
  constructor(serverUrl: string, detail: string, options?: { cause?: unknown }) {
    super(`not signed in to ${serverUrl}: ${detail}; run \`gatehouse login --server ${serverUrl}\``, options);
    this.name = 'NotSignedInError';
  }
}

export interface TokenSessionCommon {
  /** Milliseconds since the epoch. */
  now?: () => number;
  fetch?: typeof fetch;
}

export interface StoredLoginSessionOptions extends TokenSessionCommon {
  serverUrl: string;
  store?: TokenStore;
  /** Builds the IdP client from the stored sign-in settings; replaced in tests. */
  oidcFor?: (authConfig: AuthConfig) => Promise<OidcClient>;
}

export interface MachineSessionOptions extends TokenSessionCommon {
  serverUrl: string;
  clientId: string;
  clientSecret: string;
  /** Where the IdP settings come from; default GET /v1/auth/config on the server. */
  authConfig?: () => Promise<AuthConfig>;
}

export interface SignOutResult {
  /** True if the IdP confirmed revocation of the tokens; false if it has no revocation endpoint or refused. */
  revoked: boolean;
  /** Why revocation did not happen, when it was attempted and failed. */
  error?: string;
}

/** Refresh this long before the access token expires, so no request carries an expiring token. */
export const REFRESH_MARGIN_MS = 60_000;

interface CurrentTokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: number;
}

/**
 * A signed-in session that hands out a fresh access token: refreshes silently ahead of expiry
 * (user mode, refresh-token grant, rotated tokens persisted) or re-runs client credentials
 * (machine mode, for agents and CI). Concurrent callers share one refresh.
 */
export class TokenSession implements AccessTokenSource {
  private current: CurrentTokens | undefined;
  private stale = false;
  private renewing: Promise<string> | undefined;
  private oidcClient: Promise<OidcClient> | undefined;
  private readonly now: () => number;

  private constructor(
    readonly mode: TokenSessionMode,
    readonly serverUrl: string,
    private readonly makeOidc: () => Promise<OidcClient>,
    private readonly store: TokenStore | undefined,
    initial: CurrentTokens | undefined,
    now: (() => number) | undefined,
  ) {
    this.current = initial;
    this.now = now ?? Date.now;
  }

  /** The session of `gatehouse login` for this server; NotSignedInError if there is none. */
  static async forStoredLogin(opts: StoredLoginSessionOptions): Promise<TokenSession> {
    const serverUrl = normalizeServerUrl(opts.serverUrl);
    const store = opts.store ?? new FileTokenStore();
    const login = await store.get(serverUrl);
    if (login === undefined) throw new NotSignedInError(serverUrl, 'no stored sign-in');
    const oidcFor = opts.oidcFor ?? ((config: AuthConfig) => OidcClient.discover(config));
    return new TokenSession('user', serverUrl, () => oidcFor(login.authConfig), store, tokensOf(login), opts.now);
  }

  /** Client credentials: an agent or CI job with its own client id and secret. Nothing is stored. */
  static forMachine(opts: MachineSessionOptions): TokenSession {
    const serverUrl = normalizeServerUrl(opts.serverUrl);
    const authConfig =
      opts.authConfig ?? (() => new ServerApi(serverUrl, { accessToken: () => Promise.reject(new Error('anonymous')) }, opts.fetch ? { fetch: opts.fetch } : {}).authConfig());
    const makeOidc = async (): Promise<OidcClient> =>
      OidcClient.discover({ ...(await authConfig()), clientId: opts.clientId }, { clientSecret: opts.clientSecret });
    return new TokenSession('machine', serverUrl, makeOidc, undefined, undefined, opts.now);
  }

  /** Machine mode when GATEHOUSE_CLIENT_ID and GATEHOUSE_CLIENT_SECRET are set, else the stored login. */
  static async fromEnvironment(
    serverUrl: string,
    opts: TokenSessionCommon & { env?: NodeJS.ProcessEnv; store?: TokenStore } = {},
  ): Promise<TokenSession> {
    const env = opts.env ?? process.env;
    const clientId = env['GATEHOUSE_CLIENT_ID'];
    const clientSecret = env['GATEHOUSE_CLIENT_SECRET'];
    if ((clientId === undefined || clientId === '') !== (clientSecret === undefined || clientSecret === '')) {
      throw new Error('set both GATEHOUSE_CLIENT_ID and GATEHOUSE_CLIENT_SECRET for machine sign-in, or neither');
    }
    if (clientId !== undefined && clientId !== '' && clientSecret !== undefined) {
      return TokenSession.forMachine({ ...opts, serverUrl, clientId, clientSecret });
    }
    return TokenSession.forStoredLogin({ ...opts, serverUrl });
  }

  /** False when the session ends with its access token: no refresh token (user mode) to renew it with. */
  get canRefresh(): boolean {
    return this.mode === 'machine' || this.current?.refreshToken !== undefined;
  }

  /** When the current access token expires (as far as we know), or undefined if unknown or none yet. */
  get expiresAt(): Date | undefined {
    const at = this.current?.expiresAt;
    return at === undefined ? undefined : new Date(at);
  }

  accessToken(): Promise<string> {
    const current = this.current;
    if (current !== undefined && !this.stale && this.fresh(current)) return Promise.resolve(current.accessToken);
    this.renewing ??= this.renew().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /** The server refused the token (401): get another one on the next call, whatever its expiry says. */
  invalidate(): void {
    this.stale = true;
  }

  /** Revokes the tokens where the IdP supports revocation and forgets them locally in any case. */
  async signOut(): Promise<SignOutResult> {
    const current = this.current;
    this.current = undefined;
    let result: SignOutResult = { revoked: false };
    if (current !== undefined) {
      try {
        const client = await this.oidc();
        if (client.supportsRevocation) {
          // The refresh token first: revoking it ends the grant, which most IdPs extend to its access tokens.
          if (current.refreshToken !== undefined) await client.revoke(current.refreshToken, 'refresh_token');
          await client.revoke(current.accessToken, 'access_token');
          result = { revoked: true };
        }
      } catch (err) {
        result = { revoked: false, error: err instanceof Error ? err.message : String(err) };
      }
    }
    await this.store?.remove(this.serverUrl);
    return result;
  }

  private fresh(tokens: CurrentTokens): boolean {
    return tokens.expiresAt === undefined || this.now() < tokens.expiresAt - REFRESH_MARGIN_MS;
  }

  private oidc(): Promise<OidcClient> {
    this.oidcClient ??= this.makeOidc().catch((err: unknown) => {
      // A failed discovery (IdP down) must not stick: try again next time.
      this.oidcClient = undefined;
      throw err;
    });
    return this.oidcClient;
  }

  private async renew(): Promise<string> {
    const before = this.current;
    try {
      const next = this.mode === 'machine' ? await (await this.oidc()).clientCredentials() : await this.refreshUserTokens(before);
      this.current = next;
      this.stale = false;
      return next.accessToken;
    } catch (err) {
      // A passing failure (IdP unreachable) while the token is still valid: keep using it.
      const stillValid = before !== undefined && !this.stale && before.expiresAt !== undefined && this.now() < before.expiresAt;
      if (stillValid && !(err instanceof NotSignedInError) && !(err instanceof OidcGrantError)) return before.accessToken;
      throw err;
    }
  }

  private async refreshUserTokens(before: CurrentTokens | undefined): Promise<CurrentTokens> {
    // Another gatehouse process may have refreshed (and rotated the refresh token) meanwhile.
    const base = await this.latestStoredTokens(before);
    if (base !== before && this.fresh(base)) return base;
    const refreshToken = base.refreshToken;
    if (refreshToken === undefined) {
      // Nothing to renew with: the token serves until its very end, then the session is over.
      if (base.expiresAt !== undefined && this.now() < base.expiresAt) return base;
      throw new NotSignedInError(this.serverUrl, 'the session has expired and cannot be renewed');
    }
    let refreshed: OidcTokens;
    try {
      refreshed = await (await this.oidc()).refresh(refreshToken);
    } catch (err) {
      if (!(err instanceof OidcGrantError)) throw err;
      // Lost a race with another process that rotated the refresh token just now?
      const raced = await this.latestStoredTokens(base);
      if (raced !== base && this.fresh(raced)) return raced;
      throw new NotSignedInError(this.serverUrl, 'the identity provider no longer accepts this session', { cause: err });
    }
    const login = await this.store?.get(this.serverUrl);
    if (login !== undefined) await this.store?.put(mergeLogin(login, refreshed), { makeDefault: false });
    return { accessToken: refreshed.accessToken, refreshToken: refreshed.refreshToken, expiresAt: refreshed.expiresAt };
  }

  /** The stored tokens if they differ from `known`, else `known` itself. */
  private async latestStoredTokens(known: CurrentTokens | undefined): Promise<CurrentTokens> {
    if (this.store === undefined) {
      if (known === undefined) throw new NotSignedInError(this.serverUrl, 'no stored sign-in');
      return known;
    }
    const login = await this.store.get(this.serverUrl);
    // Signed out elsewhere (`gatehouse logout`): honour it.
    if (login === undefined) throw new NotSignedInError(this.serverUrl, 'signed out');
    if (known !== undefined && login.accessToken === known.accessToken) return known;
    return tokensOf(login);
  }
}

function tokensOf(login: StoredLogin): CurrentTokens {
  return { accessToken: login.accessToken, refreshToken: login.refreshToken, expiresAt: login.expiresAt };
}

function mergeLogin(login: StoredLogin, tokens: OidcTokens): StoredLogin {
  return {
    ...login,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken ?? login.refreshToken,
    idToken: tokens.idToken ?? login.idToken,
    expiresAt: tokens.expiresAt,
    savedAt: new Date().toISOString(),
  };
}
