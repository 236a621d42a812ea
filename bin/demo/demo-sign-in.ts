import { createHash, randomBytes } from 'node:crypto';
import { OidcClient } from '../../broker/auth/oidc-client.ts';
import type { OidcTokens } from '../../broker/auth/oidc-client.ts';
import { authConfigSchema } from '../../shared/api/identity.ts';
import { demoPasswordFor } from '../../server/dev-idp/demo-users.ts';

/**
 * Signs a demo user in to the server's dev IdP without a browser, the way a person would:
 * authorization code + PKCE, the dev IdP's login form posted with the user's public demo
 * password, the code read off the redirect to a loopback callback nobody needs to serve.
 * The demo uses it to act as dave (admin) when it sets up its connections.
 */

const MAX_HOPS = 20;

class CookieJar {
  private readonly cookies = new Map<string, string>();

  remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }
}

function htmlAttribute(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}

export async function signInDemoUser(serverUrl: string, username: string): Promise<OidcTokens> {
  const configResponse = await fetch(`${serverUrl}/v1/auth/config`);
  if (!configResponse.ok) throw new Error(`GET /v1/auth/config answered ${configResponse.status}`);
  const authConfig = authConfigSchema.parse(await configResponse.json());
  if (!authConfig.devIdp) throw new Error('the demo signs in through the dev IdP, and this server does not run one');
  const client = await OidcClient.discover(authConfig);

  const codeVerifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const redirectUri = `http://127.0.0.1:${49_152 + (randomBytes(2).readUInt16BE() % 16_000)}/callback`;
  const start = client.authorizationUrl({ redirectUri, codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'), state, nonce });

  const jar = new CookieJar();
  const request = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), ...jar.header() } });
    jar.remember(response);
    return response;
  };

  let url = start.href;
  let response = await request(url);
  let posted = false;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      const next = new URL(location, url);
      if (next.href.startsWith(redirectUri)) return client.exchangeCode(next, { codeVerifier, state, nonce });
      url = next.href;
      response = await request(url);
      continue;
    }
    const html = await response.text();
    if (posted) throw new Error(`the dev IdP refused ${username}'s sign-in (HTTP ${response.status})`);
    const action = /<form[^>]*action="([^"]+)"/i.exec(html)?.[1];
    if (action === undefined) throw new Error(`expected the dev IdP's login form, got HTTP ${response.status}`);
    posted = true;
    url = new URL(htmlAttribute(action), url).href;
    response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password: demoPasswordFor(username) }).toString(),
    });
  }
  throw new Error('the dev IdP sign-in redirected too many times');
}
