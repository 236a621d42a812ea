import type { AuthConfig, Principal } from '../../shared/api/identity.ts';
import type { SessionState } from '../../shared/bridge/session-bridge.ts';
import type { z } from 'zod';
import type { bridgeHostSchema } from '../../shared/bridge/session-bridge.ts';
import { OidcClient, OidcGrantError } from '../auth/oidc-client.ts';
import { startLoopbackSignIn, type LoopbackSignIn } from '../auth/loopback-sign-in.ts';
import { NotSignedInError, REFRESH_MARGIN_MS, TokenSession } from '../auth/session-tokens.ts';
import { fetchAuthConfig, storeSignIn } from '../auth/sign-in.ts';
import { normalizeServerUrl, type TokenStore } from '../auth/token-store.ts';
import type { Logger } from '../log.ts';
import { ServerApi, type AccessTokenSource } from '../server-client/api-client.ts';
import type { AppSettingsFile } from './app-settings.ts';
import { BridgeFailure } from './bridge-dispatcher.ts';

export type BridgeHost = z.infer<typeof bridgeHostSchema>;

/** What the feature handlers use while someone is signed in. */
export interface ActiveSession {
  serverUrl: string;
  api: ServerApi;
  tokens: AccessTokenSource;
  /** Changes at every sign-in, sign-out and server switch: work of an older one must stop. */
  generation: number;
  principal(): Promise<Principal>;
}

export interface AppSessionOptions {
  host: BridgeHost;
  store: TokenStore;
  settings: AppSettingsFile;
  /** Electron opens the sign-in page in the system browser; a browser tab opens it itself. */
  openExternal?: (url: string) => Promise<void>;
  log: Logger;
  env: NodeJS.ProcessEnv;
  now?: () => number;
  /** How long to wait for the user to finish at the IdP. */
  signInTimeoutMs?: number;
}

/** Retry a failed silent refresh (IdP unreachable) this often while the token still lasts. */
const REFRESH_RETRY_MS = 30_000;

interface Current {
  serverUrl: string;
  tokens: TokenSession;
  /** `tokens`, watched: a refused refresh signs the app out. */
  source: AccessTokenSource;
  api: ServerApi;
  user: Principal | null;
  generation: number;
}

/**
 * The app's sign-in: which server, whether someone is signed in, and as whom. Tokens stay in
 * here and in the token store; the renderer only ever sees SessionState. Refreshes silently
 * before the access token runs out, flags a session that cannot be renewed, and tells every
 * listener when any of it changes.
 */
export class AppSession {
  private serverUrl: string | null = null;
  private authConfig: AuthConfig | null = null;
  private oidc: { serverUrl: string; client: Promise<OidcClient> } | null = null;
  private current: Current | null = null;
  private pendingSignIn: LoopbackSignIn | null = null;
  private generation = 0;
  private refreshFailing = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(state: SessionState) => void>();
  private readonly now: () => number;

  constructor(private readonly o: AppSessionOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Picks up the saved server (or GATEHOUSE_SERVER on a first run) and any stored sign-in for it. */
  async start(): Promise<void> {
    const saved = (await this.o.settings.read()).serverUrl;
    const fromEnv = this.o.env['GATEHOUSE_SERVER'];
    const serverUrl = saved ?? (fromEnv === undefined || fromEnv === '' ? null : fromEnv);
    if (serverUrl === null) return;
    this.serverUrl = normalizeServerUrl(serverUrl);
    this.authConfig = await fetchAuthConfig(this.serverUrl).catch((err: unknown) => {
      this.o.log.warn({ err: (err as Error).message }, 'the Gatehouse server cannot be reached yet');
      return null;
    });
    await this.resumeStoredLogin();
  }

  state(): SessionState {
    const current = this.current;
    const expiresAt = current?.tokens.expiresAt;
    return {
      host: this.o.host,
      serverUrl: this.serverUrl,
      issuer: this.authConfig?.issuer ?? null,
      signedIn: current !== null,
      user: current?.user ?? null,
      expiresAt: expiresAt === undefined ? null : expiresAt.toISOString(),
      expiryWarning: current !== null && (!current.tokens.canRefresh || this.refreshFailing),
    };
  }

  /** The state, with the user looked up if the server could not be asked before. */
  async freshState(): Promise<SessionState> {
    const current = this.current;
    if (current !== null && current.user === null) {
      await this.lookUpUser(current).catch(() => undefined);
    }
    return this.state();
  }

  onChange(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The signed-in session, or a BridgeFailure('unauthenticated') for the renderer to act on. */
  active(): ActiveSession {
    const current = this.current;
    if (current === null) throw new BridgeFailure('unauthenticated', this.serverUrl === null ? 'choose a Gatehouse server and sign in first' : `sign in to ${this.serverUrl} first`);
    return {
      serverUrl: current.serverUrl,
      api: current.api,
      tokens: current.source,
      generation: current.generation,
      principal: async () => current.user ?? (await this.lookUpUser(current)),
    };
  }

  /** Sessions with a generation other than this one are over. */
  get currentGeneration(): number {
    return this.generation;
  }

  async setServer(url: string): Promise<SessionState> {
    let serverUrl: string;
    try {
      serverUrl = normalizeServerUrl(url);
    } catch (err) {
      throw new BridgeFailure('invalid', (err as Error).message);
    }
    let authConfig: AuthConfig;
    try {
      authConfig = await fetchAuthConfig(serverUrl);
    } catch (err) {
      throw new BridgeFailure('unavailable', `${serverUrl} does not answer as a Gatehouse server: ${(err as Error).message}`);
    }
    await this.o.settings.update({ serverUrl });
    if (serverUrl !== this.serverUrl) {
      this.cancelPendingSignIn();
      this.drop();
      this.serverUrl = serverUrl;
      this.oidc = null;
    }
    this.authConfig = authConfig;
    if (this.current === null) await this.resumeStoredLogin();
    this.emit();
    return this.state();
  }

  /**
   * Starts an authorization code + PKCE sign-in with a loopback redirect and returns the page to
   * open. It completes in the background; the renderer learns of it from session.changed.
   */
  async signIn(): Promise<{ authorizationUrl: string; openedBy: 'broker' | 'renderer' }> {
    const serverUrl = this.serverUrl;
    if (serverUrl === null) throw new BridgeFailure('invalid', 'choose a Gatehouse server first');
    if (this.authConfig === null) {
      this.authConfig = await fetchAuthConfig(serverUrl).catch((err: unknown) => {
        throw new BridgeFailure('unavailable', `${serverUrl} cannot be reached: ${(err as Error).message}`);
      });
    }
    const authConfig = this.authConfig;
    const oidc = await this.oidcClient(serverUrl, authConfig).catch((err: unknown) => {
      throw new BridgeFailure('unavailable', `the identity provider ${authConfig.issuer} cannot be reached: ${(err as Error).message}`);
    });
    this.cancelPendingSignIn();
    const signIn = await startLoopbackSignIn({ oidc, returnTo: 'Gatehouse', ...(this.o.signInTimeoutMs === undefined ? {} : { timeoutMs: this.o.signInTimeoutMs }) });
    this.pendingSignIn = signIn;
    void this.completeSignIn(signIn, serverUrl, authConfig, oidc);
    let openedBy: 'broker' | 'renderer' = 'renderer';
    if (this.o.host === 'electron' && this.o.openExternal !== undefined) {
      await this.o.openExternal(signIn.authorizationUrl);
      openedBy = 'broker';
    }
    return { authorizationUrl: signIn.authorizationUrl, openedBy };
  }

  /** Revokes the tokens where the IdP can, forgets them, and ends everything that used them. */
  async signOut(): Promise<SessionState> {
    this.cancelPendingSignIn();
    const current = this.current;
    this.drop();
    if (current !== null) {
      const result = await current.tokens.signOut();
      this.o.log.info({ server: current.serverUrl, revoked: result.revoked, ...(result.error === undefined ? {} : { err: result.error }) }, 'signed out');
    }
    this.emit();
    return this.state();
  }

  close(): void {
    this.cancelPendingSignIn();
    clearTimeout(this.renewTimer);
    this.listeners.clear();
  }

  private async completeSignIn(signIn: LoopbackSignIn, serverUrl: string, authConfig: AuthConfig, oidc: OidcClient): Promise<void> {
    try {
      const tokens = await signIn.tokens;
      if (this.pendingSignIn !== signIn || this.serverUrl !== serverUrl) return;
      const { principal } = await storeSignIn({ serverUrl, authConfig, tokens, store: this.o.store });
      if (this.pendingSignIn !== signIn || this.serverUrl !== serverUrl) return;
      this.pendingSignIn = null;
      const session = await TokenSession.forStoredLogin({ serverUrl, store: this.o.store, oidcFor: () => Promise.resolve(oidc), now: this.now });
      this.drop();
      this.adopt(serverUrl, session, principal);
      this.o.log.info({ server: serverUrl, user: principal.name }, 'signed in');
    } catch (err) {
      if (this.pendingSignIn === signIn) this.pendingSignIn = null;
      this.o.log.warn({ err: (err as Error).message }, 'sign-in did not complete');
    }
    this.emit();
  }

  private async resumeStoredLogin(): Promise<void> {
    const serverUrl = this.serverUrl;
    if (serverUrl === null || (await this.o.store.get(serverUrl)) === undefined) return;
    const authConfig = this.authConfig;
    const oidcFor = (stored: AuthConfig): Promise<OidcClient> => this.oidcClient(serverUrl, authConfig ?? stored);
    const session = await TokenSession.forStoredLogin({ serverUrl, store: this.o.store, oidcFor, now: this.now });
    const current = this.adopt(serverUrl, session, null);
    try {
      await this.lookUpUser(current);
    } catch (err) {
      if (err instanceof NotSignedInError || err instanceof OidcGrantError || isUnauthorized(err)) {
        this.o.log.info({ server: serverUrl }, 'the stored sign-in is no longer valid');
        this.drop();
      } else {
        // The server is out of reach for now: stay signed in; the user is looked up later.
        this.o.log.warn({ err: (err as Error).message }, 'could not confirm the stored sign-in yet');
      }
    }
  }

  private adopt(serverUrl: string, tokens: TokenSession, user: Principal | null): Current {
    this.generation += 1;
    this.refreshFailing = false;
    const owner = { serverUrl, tokens, user, generation: this.generation };
    const source = this.watchedTokens(owner);
    const current: Current = Object.assign(owner, { source, api: new ServerApi(serverUrl, source) });
    this.current = current;
    this.scheduleRenewal();
    return current;
  }

  /** Forgets the signed-in session here (the store keeps it unless signing out). */
  private drop(): void {
    clearTimeout(this.renewTimer);
    if (this.current !== null) this.generation += 1;
    this.current = null;
    this.refreshFailing = false;
  }

  private async lookUpUser(current: Current): Promise<Principal> {
    const user = await current.api.me();
    if (this.current === current && current.user?.subject !== user.subject) {
      current.user = user;
      this.emit();
    }
    current.user = user;
    return user;
  }

  /** The session's tokens, and the moment a refresh is refused the app is signed out. */
  private watchedTokens(owner: { tokens: TokenSession }): AccessTokenSource {
    return {
      accessToken: () =>
        owner.tokens.accessToken().catch((err: unknown) => {
          if ((err instanceof NotSignedInError || err instanceof OidcGrantError) && this.current === owner) {
            this.drop();
            this.emit();
          }
          throw err;
        }),
      invalidate: () => owner.tokens.invalidate(),
    };
  }

  /**
   * Refreshes a little before the refresh margin so the renderer's expiry time moves on even when
   * no call is made; an unrenewable session ends (signed out) when its token does.
   */
  private scheduleRenewal(): void {
    clearTimeout(this.renewTimer);
    const current = this.current;
    const expiresAt = current?.tokens.expiresAt?.getTime();
    if (current === null || expiresAt === undefined) return;
    const untilExpiry = expiresAt - this.now();
    const run = current.tokens.canRefresh ? () => void this.renew(current) : () => this.expire(current);
    const delay = current.tokens.canRefresh ? Math.max(1000, untilExpiry - REFRESH_MARGIN_MS + 1000) : Math.max(0, untilExpiry);
    if (this.refreshFailing) {
      this.renewTimer = setTimeout(untilExpiry <= 0 ? () => this.expire(current) : run, Math.min(REFRESH_RETRY_MS, Math.max(0, untilExpiry)));
    } else {
      this.renewTimer = setTimeout(run, delay);
    }
    this.renewTimer.unref();
  }

  private async renew(current: Current): Promise<void> {
    if (this.current !== current) return;
    try {
      await current.tokens.accessToken();
      this.refreshFailing = false;
    } catch (err) {
      if (this.current !== current) return;
      if (err instanceof NotSignedInError || err instanceof OidcGrantError) return;
      this.o.log.warn({ err: (err as Error).message }, 'silent refresh failed; retrying');
      this.refreshFailing = true;
    }
    if (this.current !== current) return;
    this.scheduleRenewal();
    this.emit();
  }

  private expire(current: Current): void {
    if (this.current !== current) return;
    this.o.log.info({ server: current.serverUrl }, 'the session has expired');
    this.drop();
    this.emit();
  }

  private oidcClient(serverUrl: string, authConfig: AuthConfig): Promise<OidcClient> {
    if (this.oidc?.serverUrl === serverUrl) return this.oidc.client;
    const client = OidcClient.discover(authConfig);
    this.oidc = { serverUrl, client };
    client.catch(() => {
      // A failed discovery (IdP down) must not stick.
      if (this.oidc?.client === client) this.oidc = null;
    });
    return client;
  }

  private cancelPendingSignIn(): void {
    this.pendingSignIn?.cancel(new Error('superseded'));
    this.pendingSignIn = null;
  }

  private emit(): void {
    const state = this.state();
    for (const listener of this.listeners) listener(state);
  }
}

function isUnauthorized(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'status' in err && (err as { status: unknown }).status === 401;
}
