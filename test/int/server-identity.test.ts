import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startDevIdp } from '../../server/dev-idp/dev-idp.ts';
import type { DevIdp } from '../../server/dev-idp/dev-idp.ts';
import { loadOrCreateSigningKey } from '../../server/dev-idp/signing-key.ts';
import { createTokenVerifier } from '../../server/auth/token-verifier.ts';
import type { TokenVerifier } from '../../server/auth/token-verifier.ts';
import { TokenRejected } from '../../server/auth/token-rejected.ts';
import { LoginFailed, TokenRequestFailed, discover, loginWithPassword, machineToken, refreshTokens } from '../support/dev-idp.ts';

const AUDIENCE = 'https://gatehouse.test/api';

let idp: DevIdp;
let verifier: TokenVerifier;

beforeAll(async () => {
  idp = await startDevIdp({ audience: AUDIENCE, appRedirectPorts: 'loopback-any', logger: pino({ level: 'error' }) });
  verifier = createTokenVerifier({
    issuer: idp.issuer,
    audience: AUDIENCE,
    roleMapping: { admin: ['admins'], auditor: ['auditors'], analyst: ['analysts'], approverGroups: ['db-approvers'] },
  });
});

afterAll(async () => {
  verifier.close();
  await idp.close();
});

describe('dev IdP sign-in verified by the token verifier', () => {
  it('signs alice in as an analyst', async () => {
    const { accessToken } = await loginWithPassword(idp.issuer, 'alice', 'alice-password');
    expect(await verifier.verify(accessToken)).toEqual({
      subject: 'alice',
      name: 'alice',
      groups: ['analysts'],
      roles: ['analyst'],
      approverGroups: [],
      machine: false,
    });
  });

  it('signs bob and erin in as approvers through db-approvers', async () => {
    for (const user of ['bob', 'erin']) {
      const { accessToken } = await loginWithPassword(idp.issuer, user, `${user}-password`);
      expect(await verifier.verify(accessToken)).toMatchObject({ name: user, roles: ['approver'], approverGroups: ['db-approvers'], machine: false });
    }
  });

  it('signs dave in as admin and carol as auditor', async () => {
    const dave = await loginWithPassword(idp.issuer, 'dave', 'dave-password');
    const carol = await loginWithPassword(idp.issuer, 'carol', 'carol-password');
    expect(await verifier.verify(dave.accessToken)).toMatchObject({ groups: ['admins'], roles: ['admin'] });
    expect(await verifier.verify(carol.accessToken)).toMatchObject({ groups: ['auditors'], roles: ['auditor'] });
  });

  it('issues client-credentials tokens that verify as machine analysts', async () => {
    const token = await machineToken(idp.issuer, idp.machineClient.clientId, idp.machineClient.clientSecret);
    expect(await verifier.verify(token)).toEqual({
      subject: 'gatehouse-agent',
      name: 'gatehouse-agent',
      groups: [],
      roles: ['analyst'],
      approverGroups: [],
      machine: true,
    });
    await expect(machineToken(idp.issuer, idp.machineClient.clientId, 'wrong-secret')).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refreshes with rotation: the new tokens verify, the spent refresh token is refused', async () => {
    const first = await loginWithPassword(idp.issuer, 'alice', 'alice-password');
    const second = await refreshTokens(idp.issuer, first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await verifier.verify(second.accessToken)).toMatchObject({ name: 'alice', roles: ['analyst'] });
    await expect(refreshTokens(idp.issuer, first.refreshToken)).rejects.toBeInstanceOf(TokenRequestFailed);
  });

  it('revokes a refresh token at the revocation endpoint', async () => {
    const tokens = await loginWithPassword(idp.issuer, 'bob', 'bob-password');
    const { revocation_endpoint: revocationEndpoint } = await discover(idp.issuer);
    const response = await fetch(String(revocationEndpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refreshToken, token_type_hint: 'refresh_token', client_id: idp.clientId }).toString(),
    });
    expect(response.status).toBe(200);
    await expect(refreshTokens(idp.issuer, tokens.refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a wrong password or an unknown user at the login form', async () => {
    for (const [user, password] of [['alice', 'bob-password'], ['mallory', 'mallory-password']] as const) {
      const failure = await loginWithPassword(idp.issuer, user, password).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(LoginFailed);
      expect((failure as LoginFailed).status).toBe(401);
      expect((failure as LoginFailed).html).toContain('Unknown user or wrong password.');
    }
  });

  it('shows the development-only banner on the login page and on error pages', async () => {
    const pages: string[] = [];
    await loginWithPassword(idp.issuer, 'alice', 'alice-password', { onPage: (html) => pages.push(html) });
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain('class="dev-only-banner"');
    expect(pages[0]).toContain('FOR DEVELOPMENT ONLY');
    expect(pages[0]).toContain('<form method="post"');

    const refused = await loginWithPassword(idp.issuer, 'alice', 'alice-password', { redirectUri: 'http://evil.test/callback' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LoginFailed);
    expect((refused as LoginFailed).html).toContain('FOR DEVELOPMENT ONLY');
    expect((refused as LoginFailed).html).toContain('redirect_uri');
  });

  it('accepts loopback callbacks on any port, on 127.0.0.1 and [::1]', async () => {
    for (const redirectUri of ['http://127.0.0.1:1234/callback', 'http://127.0.0.1:65000/callback', 'http://[::1]:40000/callback']) {
      const { accessToken } = await loginWithPassword(idp.issuer, 'carol', 'carol-password', { redirectUri });
      expect((await verifier.verify(accessToken)).roles).toEqual(['auditor']);
    }
  });

  it('grants consent without a page when the app asks for prompt=consent', async () => {
    const pages: string[] = [];
    const { accessToken } = await loginWithPassword(idp.issuer, 'dave', 'dave-password', { prompt: 'consent', onPage: (html) => pages.push(html) });
    expect(pages).toHaveLength(1);
    expect((await verifier.verify(accessToken)).roles).toEqual(['admin']);
  });

  it('requires PKCE from the app', async () => {
    const { authorization_endpoint: authorizationEndpoint } = await discover(idp.issuer);
    const url = new URL(authorizationEndpoint);
    url.search = new URLSearchParams({
      client_id: idp.clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:5000/callback',
      scope: 'openid',
      state: 's',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? '', idp.issuer);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);

    // The plain method would hand the verifier over in the clear.
    const verifierText = randomBytes(32).toString('base64url');
    url.searchParams.set('code_challenge', verifierText);
    url.searchParams.set('code_challenge_method', 'plain');
    const plain = await fetch(url, { redirect: 'manual' });
    expect(new URL(plain.headers.get('location') ?? '', idp.issuer).searchParams.get('error')).toBe('invalid_request');

    // With an S256 challenge the same request goes on to the login page.
    url.searchParams.set('code_challenge', createHash('sha256').update(verifierText).digest('base64url'));
    url.searchParams.set('code_challenge_method', 'S256');
    const ok = await fetch(url, { redirect: 'manual' });
    expect(ok.headers.get('location')).toMatch(/^\/interaction\//);
  });

  it('does not accept an ID token as an access token', async () => {
    const { idToken } = await loginWithPassword(idp.issuer, 'alice', 'alice-password');
    await expect(verifier.verify(idToken)).rejects.toBeInstanceOf(TokenRejected);
  });
});

describe('dev IdP signing key file', () => {
  it('creates the key once, owner-readable only, and reuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-dev-idp-'));
    try {
      const file = join(dir, 'keys', 'dev-idp-key.json');
      const created = await loadOrCreateSigningKey(file);
      const reloaded = await loadOrCreateSigningKey(file);
      expect(reloaded.kid).toBe(created.kid);
      expect(reloaded.d).toBe(created.d);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
