import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { AuthConfig } from '../../../shared/api/identity.ts';

interface PendingCode {
  challenge: string;
  nonce: string;
  redirectUri: string;
  clientId: string;
}

export interface FakeIdpOptions {
  /** Advertise a revocation endpoint. Default true. */
  revocation?: boolean;
  accessTtlSeconds?: number;
  machineClients?: Record<string, string>;
}

/**
 * A small OpenID provider for unit tests: discovery, an authorize endpoint that consents at
 * once and redirects, a token endpoint (code with PKCE S256, refresh with rotation, client
 * credentials), JWKS and revocation. It checks what a real IdP checks about the client.
 */
export class FakeIdp {
  readonly clientId = 'gatehouse-desktop';
  readonly audience = 'https://gatehouse.test/api';
  issuer = '';
  /** What /authorize does: consent, refuse, or put a wrong nonce into the ID token. */
  behaviour: 'consent' | 'deny' | 'wrong-nonce' = 'consent';
  readonly tokenRequests: URLSearchParams[] = [];
  readonly authorizeRequests: URLSearchParams[] = [];
  readonly revoked: { token: string; hint: string | null }[] = [];
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Set<string>();
  private server: Server | undefined;
  private privateKey: CryptoKey | undefined;
  private jwk: object | undefined;
  private readonly opts: Required<FakeIdpOptions>;

  constructor(opts: FakeIdpOptions = {}) {
    this.opts = { revocation: true, accessTtlSeconds: 3600, machineClients: { 'ci-bot': 'ci-secret' }, ...opts };
  }

  authConfig(overrides: Partial<AuthConfig> = {}): AuthConfig {
    return { issuer: this.issuer, clientId: this.clientId, audience: this.audience, scopes: ['openid', 'profile', 'offline_access'], devIdp: false, ...overrides };
  }

  /** Issues a refresh token the IdP will honour, as if from an earlier sign-in. */
  grantRefreshToken(): string {
    const token = `rt-${randomBytes(8).toString('hex')}`;
    this.refreshTokens.add(token);
    return token;
  }

  async start(): Promise<this> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    this.privateKey = privateKey;
    this.jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req, Buffer.concat(chunks).toString('utf8'), res).catch((err: unknown) => json(res, 500, { error: 'server_error', error_description: String(err) }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  grantsOf(type: string): URLSearchParams[] {
    return this.tokenRequests.filter((p) => p.get('grant_type') === type);
  }

  private async handle(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        return json(res, 200, {
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/authorize`,
          token_endpoint: `${this.issuer}/token`,
          jwks_uri: `${this.issuer}/jwks`,
          ...(this.opts.revocation ? { revocation_endpoint: `${this.issuer}/revoke` } : {}),
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['none', 'client_secret_basic'],
          authorization_response_iss_parameter_supported: true,
        });
      case 'GET /jwks':
        return json(res, 200, { keys: [this.jwk] });
      case 'GET /authorize':
        return this.authorize(url.searchParams, res);
      case 'POST /token':
        return this.token(new URLSearchParams(body), req.headers['authorization'], res);
      case 'POST /revoke': {
        const params = new URLSearchParams(body);
        this.revoked.push({ token: params.get('token') ?? '', hint: params.get('token_type_hint') });
        this.refreshTokens.delete(params.get('token') ?? '');
        res.writeHead(200).end();
        return;
      }
      default:
        return json(res, 404, { error: 'not_found' });
    }
  }

  private authorize(params: URLSearchParams, res: ServerResponse): void {
    this.authorizeRequests.push(params);
    const redirectUri = params.get('redirect_uri') ?? '';
    if (params.get('client_id') !== this.clientId || !/^http:\/\/127\.0\.0\.1:\d+\/callback$/.test(redirectUri)) {
      return json(res, 400, { error: 'invalid_request' });
    }
    if (params.get('response_type') !== 'code' || params.get('code_challenge_method') !== 'S256') return json(res, 400, { error: 'invalid_request' });
    const back = new URL(redirectUri);
    back.searchParams.set('state', params.get('state') ?? '');
    back.searchParams.set('iss', this.issuer);
    if (this.behaviour === 'deny') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'the user said no');
    } else {
      const code = randomBytes(12).toString('hex');
      this.codes.set(code, {
        challenge: params.get('code_challenge') ?? '',
        nonce: this.behaviour === 'wrong-nonce' ? 'not-the-nonce' : (params.get('nonce') ?? ''),
        redirectUri,
        clientId: this.clientId,
      });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.href }).end();
  }

  private async token(params: URLSearchParams, authorization: string | undefined, res: ServerResponse): Promise<void> {
    this.tokenRequests.push(params);
    switch (params.get('grant_type')) {
      case 'authorization_code': {
        const pending = this.codes.get(params.get('code') ?? '');
        this.codes.delete(params.get('code') ?? '');
        if (pending === undefined || pending.redirectUri !== params.get('redirect_uri') || params.get('client_id') !== this.clientId) {
          return json(res, 400, { error: 'invalid_grant' });
        }
        const challenge = createHash('sha256').update(params.get('code_verifier') ?? '').digest('base64url');
        if (challenge !== pending.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        return json(res, 200, await this.userTokens(pending.nonce));
      }
      case 'refresh_token': {
        const presented = params.get('refresh_token') ?? '';
        if (!this.refreshTokens.delete(presented)) return json(res, 400, { error: 'invalid_grant', error_description: 'refresh token revoked or reused' });
        return json(res, 200, await this.userTokens(undefined));
      }
      case 'client_credentials': {
        const [id, secret] = Buffer.from((authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8').split(':').map(decodeURIComponent);
        if (id === undefined || this.opts.machineClients[id] !== secret) return json(res, 401, { error: 'invalid_client' });
        return json(res, 200, { access_token: await this.accessToken(id, { gty: 'client_credentials' }), token_type: 'Bearer', expires_in: this.opts.accessTtlSeconds });
      }
      default:
        return json(res, 400, { error: 'unsupported_grant_type' });
    }
  }

  private async userTokens(nonce: string | undefined): Promise<object> {
    const refreshToken = this.grantRefreshToken();
    const idToken = await new SignJWT({ preferred_username: 'alice@example.com', ...(nonce === undefined ? {} : { nonce }) })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(this.issuer)
      .setAudience(this.clientId)
      .setSubject('alice-sub')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(this.privateKey!);
    return {
      access_token: await this.accessToken('alice-sub', {}),
      token_type: 'Bearer',
      expires_in: this.opts.accessTtlSeconds,
      refresh_token: refreshToken,
      id_token: idToken,
    };
  }

  private accessToken(subject: string, claims: Record<string, unknown>): Promise<string> {
    return new SignJWT({ ...claims, jti: randomBytes(6).toString('hex') })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(`${this.opts.accessTtlSeconds}s`)
      .sign(this.privateKey!);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Plays the user's browser: follows the IdP's redirect to the loopback callback and keeps the page. */
export class FakeBrowser {
  readonly visited: string[] = [];
  lastPage: { status: number; body: string } | undefined;
  private pending: Promise<void> | undefined;

  readonly open = (url: string): Promise<boolean> => {
    this.visited.push(url);
    this.pending = this.follow(url);
    return Promise.resolve(true);
  };

  async settled(): Promise<void> {
    await this.pending;
  }

  async visit(url: string): Promise<{ status: number; body: string }> {
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  }

  private async follow(url: string): Promise<void> {
    const first = await fetch(url, { redirect: 'manual' });
    const location = first.headers.get('location');
    if (location === null) {
      this.lastPage = { status: first.status, body: await first.text() };
      return;
    }
    this.lastPage = await this.visit(location);
  }
}
