import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import type { AuthConfig } from '../../shared/api/identity.ts';

/** What the broker keeps of a token endpoint response. */
export interface OidcTokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Milliseconds since the epoch; undefined when neither `expires_in` nor a JWT `exp` says. */
  expiresAt?: number;
  subject?: string;
  name?: string;
}

export interface OidcClientOptions {
  /** Confidential clients (machine mode) only; the desktop is a public client and uses PKCE. */
  clientSecret?: string;
  /** Per request to the IdP. Default 30 s. */
  timeoutMs?: number;
  now?: () => number;
}

/** The IdP refused a grant (expired or revoked refresh token, wrong client secret, …). */
export class OidcGrantError extends Error {
  constructor(
    readonly error: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OidcGrantError';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The broker's view of the server's IdP, discovered from its issuer: builds authorization URLs
 * and runs the code, refresh and client-credentials grants and revocation with openid-client.
 */
export class OidcClient {
  private constructor(
    private readonly config: oidc.Configuration,
    readonly authConfig: AuthConfig,
    private readonly now: () => number,
  ) {}

  static async discover(authConfig: AuthConfig, opts: OidcClientOptions = {}): Promise<OidcClient> {
    const issuer = new URL(authConfig.issuer);
    const execute: ((config: oidc.Configuration) => void)[] = [];
    if (issuer.protocol === 'http:') {
      // Plain HTTP only for an IdP on this machine, or the server's own demo IdP.
      if (!LOOPBACK_HOSTS.has(issuer.hostname) && !authConfig.devIdp) {
        throw new Error(`refusing to sign in through ${authConfig.issuer}: an identity provider must use https`);
      }
      execute.push(oidc.allowInsecureRequests);
    }
    const timeout = Math.ceil((opts.timeoutMs ?? 30_000) / 1000);
    const discovered = await oidc.discovery(issuer, authConfig.clientId, undefined, oidc.None(), { execute, timeout });
    const secret = opts.clientSecret;
    let config = discovered;
    if (secret !== undefined) {
      const methods = discovered.serverMetadata().token_endpoint_auth_methods_supported;
      const auth = methods === undefined || methods.includes('client_secret_basic') ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret);
      config = new oidc.Configuration(discovered.serverMetadata(), authConfig.clientId, { client_secret: secret }, auth);
      for (const step of execute) step(config);
      config.timeout = timeout;
    }
    return new OidcClient(config, authConfig, opts.now ?? Date.now);
  }

  get issuer(): string {
    return this.config.serverMetadata().issuer;
  }

  get supportsRevocation(): boolean {
    return this.config.serverMetadata().revocation_endpoint !== undefined;
  }

  authorizationUrl(params: { redirectUri: string; codeChallenge: string; state: string; nonce: string }): URL {
    return oidc.buildAuthorizationUrl(this.config, {
      redirect_uri: params.redirectUri,
      scope: this.scope(),
      code_challenge: params.codeChallenge,
      code_challenge_method: 'S256',
      state: params.state,
      nonce: params.nonce,
      ...this.audienceParams(),
    });
  }

  /** Checks state, nonce and PKCE and redeems the code. `callbackUrl` is the full redirect URL. */
  async exchangeCode(callbackUrl: URL, checks: { codeVerifier: string; state: string; nonce: string }): Promise<OidcTokens> {
    return this.grant(() =>
      oidc.authorizationCodeGrant(
        this.config,
        callbackUrl,
        { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true },
        this.resourceParams(),
      ),
    );
  }

  async refresh(refreshToken: string): Promise<OidcTokens> {
    const tokens = await this.grant(() => oidc.refreshTokenGrant(this.config, refreshToken, this.resourceParams()));
    // Without rotation the IdP sends no new refresh token: the old one stays valid.
    return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
  }

  async clientCredentials(): Promise<OidcTokens> {
    // openid and offline_access mean nothing without an end user; some IdPs reject them here.
    const scope = this.authConfig.scopes.filter((s) => s !== 'openid' && s !== 'offline_access' && s !== 'profile' && s !== 'email').join(' ');
    return this.grant(() => oidc.clientCredentialsGrant(this.config, { ...(scope === '' ? {} : { scope }), ...this.audienceParams() }));
  }

  async revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
    await oidc.tokenRevocation(this.config, token, { token_type_hint: hint });
  }

  private scope(): string {
    return this.authConfig.scopes.length > 0 ? this.authConfig.scopes.join(' ') : 'openid';
  }

  /**
   * IdPs disagree on how a client names the API it wants a token for: Auth0 reads `audience`,
   * RFC 8707 IdPs (oidc-provider, …) read `resource`, which must be an absolute URI.
   */
  private audienceParams(): Record<string, string> {
    const audience = this.authConfig.audience;
    if (audience === '') return {};
    return isAbsoluteUri(audience) ? { audience, resource: audience } : { audience };
  }

  private resourceParams(): Record<string, string> {
    const audience = this.authConfig.audience;
    return isAbsoluteUri(audience) ? { resource: audience } : {};
  }

  private async grant(run: () => Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers>): Promise<OidcTokens> {
    const startedAt = this.now();
    let response;
    try {
      response = await run();
    } catch (err) {
      if (err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError) {
        throw new OidcGrantError(err.error, `the identity provider refused: ${err.error}${err.error_description === undefined ? '' : ` (${err.error_description})`}`, { cause: err });
      }
      // openid-client's own messages are generic ("unexpected JWT claim value"); the cause names the claim.
      if (err instanceof oidc.ClientError && err.cause instanceof Error) {
        throw new Error(`the identity provider's answer failed validation: ${err.cause.message}`, { cause: err });
      }
      throw err;
    }
    const claims = response.claims();
    const expiresIn = response.expiresIn();
    const tokens: OidcTokens = { accessToken: response.access_token };
    if (response.refresh_token !== undefined) tokens.refreshToken = response.refresh_token;
    if (response.id_token !== undefined) tokens.idToken = response.id_token;
    // Measured from before the request: the token may be a little younger than we think, never older.
    const expiresAt = expiresIn !== undefined ? startedAt + expiresIn * 1000 : jwtExpiry(response.access_token);
    if (expiresAt !== undefined) tokens.expiresAt = expiresAt;
    if (claims !== undefined) {
      tokens.subject = claims.sub;
      const name = claims['preferred_username'] ?? claims['email'] ?? claims['name'];
      if (typeof name === 'string') tokens.name = name;
    }
    return tokens;
  }
}

function jwtExpiry(token: string): number | undefined {
  try {
    const exp = decodeJwt(token).exp;
    return exp === undefined ? undefined : exp * 1000;
  } catch {
    // Opaque access token: the IdP alone knows when it ends.
    return undefined;
  }
}

function isAbsoluteUri(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value);
}
