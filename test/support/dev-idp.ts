import { createHash, randomBytes } from 'node:crypto';

/**
 * Drives the dev IdP like the desktop app does — authorization code + PKCE over real HTTP —
 * without a browser: redirects are followed by hand with a cookie jar, the login form is
 * posted, and the code is read from the Location header that points at a loopback callback
 * nobody needs to listen on.
 */

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  idToken: string;
}

export interface LoginOptions {
  clientId?: string;
  /** Any loopback port; the dev IdP accepts all of them (RFC 8252). */
  redirectUri?: string;
  scope?: string;
  /** e.g. `consent`, which the dev IdP grants without showing a page. */
  prompt?: string;
  /** Called with each HTML page met on the way, e.g. to check the login page's banner. */
  onPage?: (html: string, url: string) => void;
}

export class LoginFailed extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly html?: string,
  ) {
    super(message);
    this.name = 'LoginFailed';
  }
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint?: string;
}

/** Cookies by name, for the IdP's own origin only (all we ever talk to). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /;\s*max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`discovery failed: ${response.status}`);
  return (await response.json()) as Discovery;
}

export async function loginWithPassword(issuer: string, username: string, password: string, opts: LoginOptions = {}): Promise<TokenSet> {
  const { authorization_endpoint: authorizationEndpoint, token_endpoint: tokenEndpoint } = await discover(issuer);
  const clientId = opts.clientId ?? 'gatehouse-app';
  const redirectUri = opts.redirectUri ?? `http://127.0.0.1:${49152 + Math.floor(Math.random() * 16000)}/callback`;
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorizeUrl = new URL(authorizationEndpoint);
  authorizeUrl.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: opts.scope ?? 'openid profile email groups offline_access',
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(opts.prompt === undefined ? {} : { prompt: opts.prompt }),
  }).toString();

  const callback = await followAuthorization(authorizeUrl.href, username, password, { redirectUri, ...(opts.onPage === undefined ? {} : { onPage: opts.onPage }) });
  return exchangeCallback(callback, { state, verifier, clientId, redirectUri, tokenEndpoint });
}

/**
 * Walks an authorization URL through the dev IdP's login form as a browser would (cookies,
 * redirects, the form post) and returns the redirect back to the client — without fetching it.
 * The redirect URI defaults to the one in the authorization URL (e.g. a broker's loopback
 * listener, which the caller then visits to finish the sign-in).
 */
export async function followAuthorization(
  authorizationUrl: string,
  username: string,
  password: string,
  opts: { redirectUri?: string; onPage?: (html: string, url: string) => void } = {},
): Promise<URL> {
  const start = new URL(authorizationUrl);
  const redirectUri = opts.redirectUri ?? start.searchParams.get('redirect_uri') ?? '';
  if (redirectUri === '') throw new LoginFailed('the authorization URL names no redirect_uri');
  const jar = new CookieJar();
  let response = await follow(jar, start.href, { method: 'GET' });
  let loginSubmitted = false;
  for (let hops = 0; hops < 20; hops += 1) {
    const location = response.headers.get('location');
    if (location !== null && response.status >= 300 && response.status < 400) {
      const next = new URL(location, response.url || start);
      if (next.href.startsWith(redirectUri)) return next;
      response = await follow(jar, next.href, { method: 'GET' });
      continue;
    }
    const html = await response.text();
    opts.onPage?.(html, response.url);
    if (loginSubmitted) throw new LoginFailed(`sign-in refused (HTTP ${response.status})`, response.status, html);
    const action = /<form[^>]*action="([^"]+)"/i.exec(html)?.[1];
    if (action === undefined) throw new LoginFailed(`expected the login form, got HTTP ${response.status}`, response.status, html);
    loginSubmitted = true;
    response = await follow(jar, new URL(decodeEntities(action), response.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString(),
    });
  }
  throw new LoginFailed('too many redirects');
}

async function follow(jar: CookieJar, url: string, init: RequestInit): Promise<Response> {
  const cookie = jar.header();
  const response = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...(init.headers as Record<string, string> | undefined), ...(cookie === '' ? {} : { cookie }) },
  });
  jar.store(response);
  // `response.url` is the URL fetched; manual redirects leave it set, which relative Locations need.
  return response;
}

async function exchangeCallback(
  callback: URL,
  ctx: { state: string; verifier: string; clientId: string; redirectUri: string; tokenEndpoint: string },
): Promise<TokenSet> {
  const error = callback.searchParams.get('error');
  if (error !== null) throw new LoginFailed(`authorization failed: ${error} ${callback.searchParams.get('error_description') ?? ''}`);
  if (callback.searchParams.get('state') !== ctx.state) throw new LoginFailed('state mismatch on the callback');
  const code = callback.searchParams.get('code');
  if (code === null) throw new LoginFailed('no code on the callback');
  const body = await postToken(ctx.tokenEndpoint, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: ctx.redirectUri,
    client_id: ctx.clientId,
    code_verifier: ctx.verifier,
  });
  return toTokenSet(body);
}

export async function refreshTokens(issuer: string, refreshToken: string, clientId = 'gatehouse-app'): Promise<TokenSet> {
  const { token_endpoint: tokenEndpoint } = await discover(issuer);
  return toTokenSet(await postToken(tokenEndpoint, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }));
}

export async function machineToken(issuer: string, clientId: string, secret: string): Promise<string> {
  const { token_endpoint: tokenEndpoint } = await discover(issuer);
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  const body = await postToken(tokenEndpoint, { grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
  if (typeof body['access_token'] !== 'string') throw new Error('client_credentials answer has no access_token');
  return body['access_token'];
}

async function postToken(tokenEndpoint: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new TokenRequestFailed(String(body['error'] ?? response.status), String(body['error_description'] ?? ''));
  return body;
}

export class TokenRequestFailed extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(`token request failed: ${error} ${description}`);
    this.name = 'TokenRequestFailed';
  }
}

function toTokenSet(body: Record<string, unknown>): TokenSet {
  const { access_token: accessToken, refresh_token: refreshToken, id_token: idToken } = body;
  if (typeof accessToken !== 'string' || typeof refreshToken !== 'string' || typeof idToken !== 'string') {
    throw new Error(`token answer lacks a token: ${Object.keys(body).join(', ')}`);
  }
  return { accessToken, refreshToken, idToken };
}

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}
