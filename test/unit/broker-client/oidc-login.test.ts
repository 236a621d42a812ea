import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { OidcClient, OidcGrantError } from '../../../broker/auth/oidc-client.ts';
import { LoginTimeoutError, loginWithBrowser } from '../../../broker/auth/oidc-login.ts';
import { FakeBrowser, FakeIdp } from './fake-idp.ts';

let idp: FakeIdp;
let printed: string[];

beforeEach(async () => {
  idp = await new FakeIdp().start();
  printed = [];
});

afterEach(async () => {
  await idp.stop();
});

const print = (line: string): void => void printed.push(line);
const display = { DISPLAY: ':0' };

describe('loginWithBrowser', () => {
  it('signs in with code + PKCE through a loopback redirect and returns the tokens', async () => {
    const oidc = await OidcClient.discover(idp.authConfig());
    const browser = new FakeBrowser();
    const tokens = await loginWithBrowser({ oidc, print, openBrowser: browser.open, env: display });
    await browser.settled();

    expect(decodeJwt(tokens.accessToken).sub).toBe('alice-sub');
    expect(tokens.refreshToken).toMatch(/^rt-/);
    expect(tokens.subject).toBe('alice-sub');
    expect(tokens.name).toBe('alice@example.com');
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() + 3500_000);

    const authorize = idp.authorizeRequests[0]!;
    expect(authorize.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('scope')).toBe('openid profile offline_access');
    expect(authorize.get('resource')).toBe(idp.audience);
    expect(authorize.get('state')).toHaveLength(43);
    expect(authorize.get('nonce')).toHaveLength(43);
    // The fake IdP refuses the code unless the verifier hashes to the challenge.
    expect(idp.grantsOf('authorization_code')).toHaveLength(1);
    expect(idp.grantsOf('authorization_code')[0]!.get('resource')).toBe(idp.audience);

    expect(browser.lastPage?.status).toBe(200);
    expect(browser.lastPage?.body).toContain('Signed in to Gatehouse');
    expect(printed.join('\n')).toContain(idp.issuer);

    // The loopback listener is gone once the login is over.
    await expect(fetch(authorize.get('redirect_uri')!)).rejects.toThrow();
  });

  it('turns away a callback with a foreign state and keeps waiting for the real one', async () => {
    const oidc = await OidcClient.discover(idp.authConfig());
    let authorizationUrl = '';
    const login = loginWithBrowser({
      oidc,
      print,
      env: display,
      openBrowser: (url) => {
        authorizationUrl = url;
        return Promise.resolve(true);
      },
    });
    await expect.poll(() => authorizationUrl).not.toBe('');
    const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri')!;
    const browser = new FakeBrowser();
    const forged = await browser.visit(`${redirectUri}?code=attacker-code&state=forged`);
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('does not belong');
    const other = await browser.visit(redirectUri.replace('/callback', '/favicon.ico'));
    expect(other.status).toBe(404);

    await browser.open(authorizationUrl);
    await browser.settled();
    const tokens = await login;
    expect(tokens.subject).toBe('alice-sub');
    // Only the genuine code ever reached the token endpoint.
    expect(idp.grantsOf('authorization_code').map((p) => p.get('code'))).not.toContain('attacker-code');
  });

  it('fails with the IdP error when the user refuses consent', async () => {
    idp.behaviour = 'deny';
    const oidc = await OidcClient.discover(idp.authConfig());
    const browser = new FakeBrowser();
    const err = await loginWithBrowser({ oidc, print, openBrowser: browser.open, env: display }).catch((e: unknown) => e);
    await browser.settled();
    expect(err).toBeInstanceOf(OidcGrantError);
    expect(err).toMatchObject({ error: 'access_denied' });
    expect(browser.lastPage?.status).toBe(400);
    expect(browser.lastPage?.body).toContain('Sign-in failed');
    expect(browser.lastPage?.body).toContain('access_denied');
  });

  it('rejects an ID token whose nonce is not ours', async () => {
    idp.behaviour = 'wrong-nonce';
    const oidc = await OidcClient.discover(idp.authConfig());
    const browser = new FakeBrowser();
    const err = await loginWithBrowser({ oidc, print, openBrowser: browser.open, env: display }).catch((e: unknown) => e);
    await browser.settled();
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toMatch(/nonce/i);
    expect(browser.lastPage?.body).toContain('Sign-in failed');
  });

  it('gives up after the timeout', async () => {
    const oidc = await OidcClient.discover(idp.authConfig());
    const err = await loginWithBrowser({ oidc, print, openBrowser: () => Promise.resolve(true), timeoutMs: 200, env: display }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoginTimeoutError);
  });

  it('only prints the address with --no-browser or without a display', async () => {
    const oidc = await OidcClient.discover(idp.authConfig());
    let opened = 0;
    const openBrowser = (): Promise<boolean> => {
      opened++;
      return Promise.resolve(true);
    };
    const noBrowser = loginWithBrowser({ oidc, print, openBrowser, noBrowser: true, timeoutMs: 100, env: display });
    await expect(noBrowser).rejects.toBeInstanceOf(LoginTimeoutError);
    const headless = loginWithBrowser({ oidc, print, openBrowser, timeoutMs: 100, env: {} });
    await expect(headless).rejects.toBeInstanceOf(LoginTimeoutError);
    expect(opened).toBe(0);
    expect(printed.filter((line) => line.includes(`${idp.issuer}/authorize?`))).toHaveLength(2);
    expect(printed[0]).toContain('open this address');
  });
});

describe('OidcClient.discover', () => {
  it('refuses a plain-HTTP identity provider that is not on this machine', async () => {
    await expect(OidcClient.discover(idp.authConfig({ issuer: 'http://idp.example.com' }))).rejects.toThrow(/must use https/);
  });
});
