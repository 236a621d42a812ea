import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { OidcGrantError } from '../../../broker/auth/oidc-client.ts';
import { NotSignedInError, REFRESH_MARGIN_MS, TokenSession } from '../../../broker/auth/session-tokens.ts';
import { TokenStore, type StoredLogin } from '../../../broker/auth/token-store.ts';
import { FakeIdp } from './fake-idp.ts';

const SERVER = 'https://gatehouse.test';

let idp: FakeIdp;
let home: string;
let store: TokenStore;
let clock: number;
const now = (): number => clock;

beforeEach(async () => {
  idp = await new FakeIdp().start();
  home = await mkdtemp(join(tmpdir(), 'gatehouse-session-'));
  store = new TokenStore(join(home, 'tokens.json'));
  clock = Date.now();
});

afterEach(async () => {
  await idp.stop();
  await rm(home, { recursive: true, force: true });
});

async function storeLogin(overrides: Partial<StoredLogin> = {}): Promise<StoredLogin> {
  const login: StoredLogin = {
    serverUrl: SERVER,
    authConfig: idp.authConfig(),
    accessToken: 'stored-access',
    refreshToken: idp.grantRefreshToken(),
    expiresAt: clock + 10 * 60_000,
    savedAt: new Date().toISOString(),
    ...overrides,
  };
  await store.put(login);
  return login;
}

describe('TokenSession (user)', () => {
  it('hands out the stored token while it is fresh, without asking the IdP', async () => {
    const login = await storeLogin();
    const session = await TokenSession.forStoredLogin({ serverUrl: SERVER, store, now });
    expect(await session.accessToken()).toBe('stored-access');
    expect(session.expiresAt?.getTime()).toBe(login.expiresAt);
    expect(idp.tokenRequests).toHaveLength(0);
  });

  it('refreshes within the last minute before expiry and persists the rotated tokens', async () => {
    const login = await storeLogin();
    const session = await TokenSession.forStoredLogin({ serverUrl: SERVER, store, now });
    clock = login.expiresAt! - REFRESH_MARGIN_MS + 1;
    const [a, b, c] = await Promise.all([session.accessToken(), session.accessToken(), session.accessToken()]);
    expect(a).not.toBe('stored-access');
    expect(new Set([a, b, c]).size).toBe(1);
    expect(idp.grantsOf('refresh_token')).toHaveLength(1);
    expect(idp.grantsOf('refresh_token')[0]!.get('refresh_token')).toBe(login.refreshToken);
    expect(decodeJwt(a).sub).toBe('alice-sub');

    const saved = await store.get(SERVER);
    expect(saved?.accessToken).toBe(a);
    expect(saved?.refreshToken).not.toBe(login.refreshToken);
    // A second process starting now uses the rotated tokens, not the spent refresh token.
    const later = await TokenSession.forStoredLogin({ serverUrl: SERVER, store, now });
    expect(await later.accessToken()).toBe(a);
  });

  it('gets a new token after invalidate() even though the old one has not expired', async () => {
    await storeLogin();
    const session = await TokenSession.forStoredLogin({ serverUrl: SERVER, store, now });
    expect(await session.accessToken()).toBe('stored-access');
    session.invalidate();
    expect(await session.accessToken()).not.toBe('stored-access');
    expect(idp.grantsOf('refresh_token')).toHaveLength(1);
  });

  it('adopts tokens another process refreshed instead of spending the old refresh token', async () => {
    const login = await storeLogin();
    const session = await TokenSession.forStoredLogin({ serverUrl: SERVER, store, now });
    await store.put({ ...login, accessToken: 'refreshed-elsewhere', expiresAt: clock + 3600_000 });
    session.invalidate();
    expect(await session.accessToken()).toBe('refreshed-elsewhere');
    expect(idp.tokenRequests).toHaveLength(0);
  });

  it('says "not signed in" when the IdP no longer honours the refresh token', async () => {
    await storeLogin({ refreshToken: 'rt-revoked', expiresAt: clock - 1 });
    const session = await TokenSession.forStoredLogin({ serverUrl: SERVER, store, now });
    const err = await session.accessToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotSignedInError);
    expect((err as Error).message).toContain('gatehouse login');
    expect((err as Error).cause).toBeInstanceOf(OidcGrantError);
  });

  it('says "not signed in" when there is no login, or the login has no refresh token and expired', async () => {
    await expect(TokenSession.forStoredLogin({ serverUrl: SERVER, store, now })).rejects.toBeInstanceOf(NotSignedInError);
    await storeLogin({ refreshToken: undefined, expiresAt: clock - 1 });
    const session = await TokenSession.forStoredLogin({ serverUrl: SERVER, store, now });
    await expect(session.accessToken()).rejects.toBeInstanceOf(NotSignedInError);
  });

  it('keeps using a still-valid token while the IdP cannot be reached', async () => {
    const login = await storeLogin();
    const session = await TokenSession.forStoredLogin({ serverUrl: SERVER, store, now });
    await idp.stop();
    clock = login.expiresAt! - 10_000;
    expect(await session.accessToken()).toBe('stored-access');
    clock = login.expiresAt! + 1;
    await expect(session.accessToken()).rejects.toThrow();
  });

  it('signs out: revokes refresh and access token at the IdP and forgets them locally', async () => {
    const login = await storeLogin();
    const session = await TokenSession.forStoredLogin({ serverUrl: SERVER, store, now });
    expect(await session.signOut()).toEqual({ revoked: true });
    expect(idp.revoked).toEqual([
      { token: login.refreshToken, hint: 'refresh_token' },
      { token: 'stored-access', hint: 'access_token' },
    ]);
    expect(await store.get(SERVER)).toBeUndefined();
  });

  it('still forgets the tokens when the IdP has no revocation endpoint', async () => {
    await idp.stop();
    idp = await new FakeIdp({ revocation: false }).start();
    await storeLogin();
    const session = await TokenSession.forStoredLogin({ serverUrl: SERVER, store, now });
    expect(await session.signOut()).toEqual({ revoked: false });
    expect(idp.revoked).toEqual([]);
    expect(await store.get(SERVER)).toBeUndefined();
  });
});

describe('TokenSession (machine)', () => {
  it('uses client credentials and re-runs the grant only near expiry', async () => {
    const session = TokenSession.forMachine({
      serverUrl: SERVER,
      clientId: 'ci-bot',
      clientSecret: 'ci-secret',
      authConfig: () => Promise.resolve(idp.authConfig()),
      now,
    });
    const first = await session.accessToken();
    expect(decodeJwt(first)).toMatchObject({ sub: 'ci-bot', gty: 'client_credentials', aud: idp.audience });
    expect(await session.accessToken()).toBe(first);
    expect(idp.grantsOf('client_credentials')).toHaveLength(1);
    const grant = idp.grantsOf('client_credentials')[0]!;
    // Scopes that only make sense for a person are not asked for.
    expect(grant.get('scope')).toBeNull();
    expect(grant.get('resource')).toBe(idp.audience);
    clock = session.expiresAt!.getTime() - REFRESH_MARGIN_MS + 1;
    const second = await session.accessToken();
    expect(second).not.toBe(first);
    expect(idp.grantsOf('client_credentials')).toHaveLength(2);
  });

  it('fails with the IdP error when the secret is wrong', async () => {
    const session = TokenSession.forMachine({
      serverUrl: SERVER,
      clientId: 'ci-bot',
      clientSecret: 'wrong',
      authConfig: () => Promise.resolve(idp.authConfig()),
    });
    await expect(session.accessToken()).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('is chosen from GATEHOUSE_CLIENT_ID / GATEHOUSE_CLIENT_SECRET, which must come together', async () => {
    const env = { GATEHOUSE_CLIENT_ID: 'ci-bot', GATEHOUSE_CLIENT_SECRET: 'ci-secret' };
    const machine = await TokenSession.fromEnvironment(SERVER, { env, store });
    expect(machine.mode).toBe('machine');
    await expect(TokenSession.fromEnvironment(SERVER, { env: { GATEHOUSE_CLIENT_ID: 'ci-bot' }, store })).rejects.toThrow(/both/);
    await storeLogin();
    const user = await TokenSession.fromEnvironment(SERVER, { env: {}, store });
    expect(user.mode).toBe('user');
  });
});
