import { createLocalJWKSet, errors } from 'jose';
import type { FlattenedJWSInput, JSONWebKeySet, JWK, JWSHeaderParameters } from 'jose';
import { TokenRejected } from './token-rejected.ts';

type KeyResolver = ReturnType<typeof createLocalJWKSet>;

export interface RemoteKeySetOptions {
  issuer: string;
  fetch: typeof fetch;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Minimum time between two fetches of the JWKS, so unknown `kid`s cannot make us hammer the IdP. */
  refetchCooldownMs?: number;
  /** Keys older than this are re-fetched on the next use, so a rotated-out key stops being trusted. */
  maxAgeMs?: number;
  timeoutMs?: number;
}

/**
 * The issuer's signing keys, found through OIDC discovery and cached. At most one network
 * fetch of the JWKS is made per cooldown, whatever arrives: unknown `kid`s, stale keys or an
 * IdP that is down; concurrent callers share the fetch in flight.
 */
export class RemoteKeySet {
  private readonly opts: Required<RemoteKeySetOptions>;
  private readonly abort = new AbortController();
  private jwksUri: URL | undefined;
  private resolver: KeyResolver | undefined;
  private fetchedAt = 0;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<KeyResolver> | undefined;

  constructor(opts: RemoteKeySetOptions) {
    this.opts = { refetchCooldownMs: 30_000, maxAgeMs: 10 * 60_000, timeoutMs: 5_000, ...opts };
  }

  /** Shaped as jose's key-resolving function so it can be handed to `jwtVerify` directly. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<Awaited<ReturnType<KeyResolver>>> => {
    const resolver = await this.currentResolver();
    try {
      return await resolver(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    }
    const refreshed = await this.refreshedResolverForUnknownKey(resolver);
    if (refreshed === undefined) {
      throw new TokenRejected(`no JWKS key matches kid ${JSON.stringify(header.kid)}; re-fetch is rate-limited`);
    }
    try {
      return await refreshed(header, token);
    } catch (error) {
      throw new TokenRejected(`no JWKS key matches kid ${JSON.stringify(header.kid)} even after re-fetching the JWKS`, { cause: error });
    }
  };

  close(): void {
    this.abort.abort();
    this.resolver = undefined;
  }

  private async currentResolver(): Promise<KeyResolver> {
    if (this.inFlight) return this.inFlight;
    if (this.resolver && this.opts.now() - this.fetchedAt < this.opts.maxAgeMs) return this.resolver;
    if (!this.mayFetch()) {
      // Stale keys are better than none while the cooldown runs; no keys at all means the IdP was unreachable.
      if (this.resolver) return this.resolver;
      throw new TokenRejected('issuer keys unavailable: the last fetch failed and the re-fetch is rate-limited');
    }
    try {
      return await this.reload();
    } catch (error) {
      if (this.resolver) return this.resolver;
      throw new TokenRejected('issuer keys unavailable', { cause: error });
    }
  }

  private async refreshedResolverForUnknownKey(used: KeyResolver): Promise<KeyResolver | undefined> {
    if (this.inFlight) return this.inFlight.catch(() => undefined);
    // Someone else already refreshed after our lookup: try the new keys before fetching again.
    if (this.resolver && this.resolver !== used) return this.resolver;
    if (!this.mayFetch()) return undefined;
    return this.reload().catch(() => undefined);
  }

  private mayFetch(): boolean {
    return this.opts.now() - this.lastAttemptAt >= this.opts.refetchCooldownMs;
  }

  private reload(): Promise<KeyResolver> {
    // Stamped before the first await so that concurrent callers see the cooldown at once.
    this.lastAttemptAt = this.opts.now();
    const loading = this.load().finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = loading;
    return loading;
  }

  private async load(): Promise<KeyResolver> {
    const jwksUri = this.jwksUri ?? (await this.discoverJwksUri());
    const body = await this.getJson(jwksUri);
    const resolver = createLocalJWKSet(onlyAsymmetricKeys(body));
    this.jwksUri = jwksUri;
    this.resolver = resolver;
    this.fetchedAt = this.opts.now();
    return resolver;
  }

  private async discoverJwksUri(): Promise<URL> {
    const discoveryUrl = new URL(`${this.opts.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
    const body = await this.getJson(discoveryUrl);
    if (body === null || typeof body !== 'object') throw new Error('discovery document is not an object');
    const { issuer, jwks_uri: jwksUri } = body as Record<string, unknown>;
    // OIDC Discovery 1.0 §4.3: a document naming another issuer must not be trusted.
    if (issuer !== this.opts.issuer) throw new Error(`discovery document names issuer ${JSON.stringify(issuer)}`);
    if (typeof jwksUri !== 'string') throw new Error('discovery document has no jwks_uri');
    return new URL(jwksUri);
  }

  private async getJson(url: URL): Promise<unknown> {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.timeoutMs)]);
    const response = await this.opts.fetch(url, { headers: { accept: 'application/json' }, signal });
    if (!response.ok) throw new Error(`GET ${url.href} answered ${response.status}`);
    return (await response.json()) as unknown;
  }
}

/**
 * Symmetric keys are dropped on arrival: a JWKS is public, so an `oct` key in it could be
 * used by anyone to mint HMAC-signed tokens.
 */
function onlyAsymmetricKeys(body: unknown): JSONWebKeySet {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as { keys?: unknown }).keys)) {
    throw new Error('JWKS has no keys array');
  }
  const keys = (body as { keys: unknown[] }).keys.filter(
    (key): key is JWK => key !== null && typeof key === 'object' && (key as JWK).kty !== 'oct',
  );
  return { keys };
}
