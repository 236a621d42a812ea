import { describe, expect, it } from 'vitest';
import type { StoredLogin, TokenStore } from '../../../broker/auth/token-store.ts';
import { SafeStorageTokenStore, SafeStorageUnavailableError } from '../../../electron/storage/safe-storage-token-store.ts';
import { FakeSafeStorage, MemoryStore } from './fake-electron-port.ts';

function login(serverUrl: string, accessToken = 'access-SECRET-1'): StoredLogin {
  return {
    serverUrl,
    authConfig: { issuer: 'https://idp.example.com', clientId: 'gatehouse', audience: 'https://api', scopes: ['openid'], devIdp: false },
    accessToken,
    refreshToken: 'refresh-SECRET-1',
    idToken: 'id-SECRET-1',
    expiresAt: 1_900_000_000_000,
    subject: 'alice',
    savedAt: '2025-01-01T00:00:00.000Z',
  };
}

function fresh() {
  const kv = new MemoryStore('/fake/user-data/tokens.json');
  const safeStorage = new FakeSafeStorage();
  return { kv, safeStorage, store: new SafeStorageTokenStore(kv, safeStorage) };
}

describe('SafeStorageTokenStore', () => {
  it('is a broker TokenStore, kept in the electron-store file', () => {
    const { store } = fresh();
    const asBrokerStore: TokenStore = store;
    expect(asBrokerStore).toBe(store);
    expect(store.path).toBe('/fake/user-data/tokens.json');
  });

  it('round-trips a login through safeStorage, keyed by the normalized server URL', async () => {
    const { store, safeStorage } = fresh();
    await store.put(login('HTTPS://Gatehouse.Example.com/'));
    expect(safeStorage.encryptions).toBe(1);
    expect(await store.get('https://gatehouse.example.com')).toEqual({ ...login('https://gatehouse.example.com'), serverUrl: 'https://gatehouse.example.com' });
    expect(await store.defaultServer()).toBe('https://gatehouse.example.com');
  });

  it('never writes a token in plaintext', async () => {
    const { store, kv } = fresh();
    await store.put(login('https://gatehouse.example.com'));
    const onDisk = JSON.stringify([...kv.values.entries()]);
    expect(onDisk).not.toMatch(/SECRET|gatehouse\.example\.com|alice/);
    expect([...kv.values.keys()]).toEqual(['sealedLogins']);
  });

  it('keeps several servers, leaves the default alone when asked, and removes one', async () => {
    const { store } = fresh();
    await store.put(login('https://a.example.com', 'tok-a'));
    await store.put(login('https://b.example.com', 'tok-b'), { makeDefault: false });
    expect(await store.defaultServer()).toBe('https://a.example.com');
    expect((await store.get('https://b.example.com'))?.accessToken).toBe('tok-b');
    expect(await store.remove('https://a.example.com')).toBe(true);
    expect(await store.remove('https://a.example.com')).toBe(false);
    expect(await store.get('https://a.example.com')).toBeUndefined();
    expect(await store.defaultServer()).toBeUndefined();
    expect((await store.get('https://b.example.com'))?.accessToken).toBe('tok-b');
  });

  it('deletes the sealed blob once the last login is gone', async () => {
    const { store, kv } = fresh();
    await store.put(login('https://a.example.com'));
    await store.remove('https://a.example.com');
    expect(kv.values.size).toBe(0);
  });

  it('refuses to store when safeStorage is unavailable, and writes nothing', async () => {
    const { store, kv, safeStorage } = fresh();
    safeStorage.available = false;
    expect(store.canStoreSecurely()).toBe(false);
    await expect(store.put(login('https://a.example.com'))).rejects.toBeInstanceOf(SafeStorageUnavailableError);
    expect(kv.values.size).toBe(0);
  });

  it('refuses Linux’s basic_text backend, which only obfuscates', async () => {
    const { store, kv, safeStorage } = fresh();
    safeStorage.backend = 'basic_text';
    await expect(store.put(login('https://a.example.com'))).rejects.toThrow(/keychain is not available/);
    expect(kv.values.size).toBe(0);
  });

  it('reads nothing (and throws nothing) while the keychain is locked, and the sealed logins survive it', async () => {
    const { store, safeStorage } = fresh();
    await store.put(login('https://a.example.com'));
    safeStorage.available = false;
    expect(await store.get('https://a.example.com')).toBeUndefined();
    await expect(store.remove('https://a.example.com')).resolves.toBe(false);
    safeStorage.available = true;
    expect((await store.get('https://a.example.com'))?.accessToken).toBe('access-SECRET-1');
  });

  it('treats logins sealed with another key, or damaged, as signed out', async () => {
    const { store, kv } = fresh();
    kv.set('sealedLogins', Buffer.from('not sealed by this keychain').toString('base64'));
    expect(await store.get('https://a.example.com')).toBeUndefined();
    kv.set('sealedLogins', 42);
    expect(await store.defaultServer()).toBeUndefined();
    await store.put(login('https://a.example.com'));
    expect((await store.get('https://a.example.com'))?.accessToken).toBe('access-SECRET-1');
  });

  it('rejects a login that is not a valid StoredLogin', async () => {
    const { store } = fresh();
    await expect(store.put({ ...login('https://a.example.com'), accessToken: 5 } as unknown as StoredLogin)).rejects.toThrow();
    await expect(store.put(login('ftp://a.example.com'))).rejects.toThrow(/http/);
  });
});
