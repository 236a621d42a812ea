import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TokenStore,
  TokenStoreInsecureError,
  defaultTokenStorePath,
  normalizeServerUrl,
  type StoredLogin,
} from '../../../broker/auth/token-store.ts';

let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'gatehouse-home-'));
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function login(serverUrl: string, accessToken = 'at-1'): StoredLogin {
  return {
    serverUrl,
    authConfig: { issuer: 'https://idp.example.com', clientId: 'gatehouse', audience: 'https://api', scopes: ['openid'], devIdp: false },
    accessToken,
    refreshToken: 'rt-1',
    expiresAt: 1_900_000_000_000,
    savedAt: new Date().toISOString(),
  };
}

describe('TokenStore', () => {
  it('lives under GATEHOUSE_HOME when set, else in the per-user data directory', () => {
    expect(defaultTokenStorePath({ GATEHOUSE_HOME: '/opt/gh' })).toBe('/opt/gh/tokens.json');
    expect(defaultTokenStorePath({})).toMatch(/gatehouse[/\\]tokens\.json$/);
  });

  it('creates the file 0600 in a 0700 directory and leaves no temporary files', async () => {
    const dir = join(home, 'nested', 'gatehouse');
    const store = new TokenStore(join(dir, 'tokens.json'));
    await store.put(login('https://gh.example.com'));
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await readdir(dir)).toEqual(['tokens.json']);
  });

  it('keeps one login per server, whatever the URL spelling', async () => {
    const store = new TokenStore(join(home, 'tokens.json'));
    await store.put(login('https://GH.example.com/', 'for-a'));
    await store.put(login('https://other.example.com', 'for-b'));
    expect((await store.get('https://gh.example.com'))?.accessToken).toBe('for-a');
    expect((await store.get('https://other.example.com/'))?.accessToken).toBe('for-b');
    expect(await store.defaultServer()).toBe('https://other.example.com');
    await store.put(login('https://gh.example.com', 'for-a2'), { makeDefault: false });
    expect(await store.defaultServer()).toBe('https://other.example.com');
    expect((await store.get('https://gh.example.com'))?.accessToken).toBe('for-a2');
  });

  it('removes a login and forgets it as the default', async () => {
    const store = new TokenStore(join(home, 'tokens.json'));
    await store.put(login('https://gh.example.com'));
    expect(await store.remove('https://gh.example.com/')).toBe(true);
    expect(await store.remove('https://gh.example.com')).toBe(false);
    expect(await store.get('https://gh.example.com')).toBeUndefined();
    expect(await store.defaultServer()).toBeUndefined();
  });

  it('refuses to read a file that group or others can read, and says how to fix it', async () => {
    const store = new TokenStore(join(home, 'tokens.json'));
    await store.put(login('https://gh.example.com'));
    await chmod(store.path, 0o644);
    const err = await store.get('https://gh.example.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenStoreInsecureError);
    expect((err as Error).message).toContain('mode 0644');
    expect((err as Error).message).toContain(`chmod 600 ${store.path}`);
    await chmod(store.path, 0o600);
    expect((await store.get('https://gh.example.com'))?.accessToken).toBe('at-1');
  });

  it('leaves the file 0600 after a rewrite, whatever mode the old one had', async () => {
    const store = new TokenStore(join(home, 'tokens.json'));
    await store.put(login('https://gh.example.com'));
    await chmod(store.path, 0o400);
    await store.put(login('https://gh.example.com', 'at-2'));
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  });

  it('reports a damaged file clearly instead of treating it as signed out', async () => {
    const path = join(home, 'tokens.json');
    await writeFile(path, '{"version":1,"logins":', { mode: 0o600 });
    await expect(new TokenStore(path).get('https://gh.example.com')).rejects.toThrow(/not valid JSON/);
    await writeFile(path, '{"version":2}', { mode: 0o600 });
    await expect(new TokenStore(path).get('https://gh.example.com')).rejects.toThrow(/not a Gatehouse token file/);
  });

  it('returns nothing when no file exists yet', async () => {
    expect(await new TokenStore(join(home, 'absent.json')).get('https://gh.example.com')).toBeUndefined();
  });

  it('stores the tokens as given (and nothing is written elsewhere)', async () => {
    const store = new TokenStore(join(home, 'tokens.json'));
    await store.put(login('https://gh.example.com'));
    const text = await readFile(store.path, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ version: 1, defaultServer: 'https://gh.example.com', logins: { 'https://gh.example.com': { accessToken: 'at-1' } } });
  });
});

describe('normalizeServerUrl', () => {
  it('lower-cases the origin and drops trailing slashes, keeping a path prefix', () => {
    expect(normalizeServerUrl('HTTPS://GH.Example.com:443/')).toBe('https://gh.example.com');
    expect(normalizeServerUrl('https://example.com/gatehouse//')).toBe('https://example.com/gatehouse');
  });

  it('refuses what is not an http(s) URL, and URLs with credentials', () => {
    expect(() => normalizeServerUrl('gh.example.com')).toThrow(/not a server URL/);
    expect(() => normalizeServerUrl('ftp://gh.example.com')).toThrow(/http/);
    expect(() => normalizeServerUrl('https://u:p@gh.example.com')).toThrow(/credentials/);
  });
});
