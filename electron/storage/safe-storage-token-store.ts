import { z } from 'zod';
import { normalizeServerUrl, storedLoginSchema, type StoredLogin, type TokenStore } from '../../broker/auth/token-store.ts';
import type { SafeStoragePort } from '../ports/electron-port.ts';
import type { KeyValueStore } from '../ports/key-value-store.ts';

const KEY = 'sealedLogins';

const loginsSchema = z.object({
  version: z.literal(1),
  defaultServer: z.string().optional(),
  logins: z.record(z.string(), storedLoginSchema),
});
type Logins = z.infer<typeof loginsSchema>;

/** Linux backends that do not protect the key: safeStorage then only obfuscates. */
const WEAK_BACKENDS = new Set(['basic_text', 'unknown']);

export class SafeStorageUnavailableError extends Error {
  constructor() {
    super('the operating system keychain is not available, so Gatehouse will not store sign-in tokens (it never stores them unencrypted); unlock or install a keyring (e.g. GNOME Keyring or KWallet) and sign in again');
    this.name = 'SafeStorageUnavailableError';
  }
}

/**
 * The desktop app's token store: the broker's TokenStore, like the CLI's file store, but the logins are
 * sealed with Electron's safeStorage (the OS keychain's key) before electron-store writes them.
 * Without a real keychain nothing is stored: writes throw, reads find nothing.
 */
export class SafeStorageTokenStore implements TokenStore {
  constructor(
    private readonly store: KeyValueStore,
    private readonly safeStorage: SafeStoragePort,
  ) {}

  get path(): string {
    return this.store.path;
  }

  /** True when tokens can be sealed with a key the OS protects. */
  canStoreSecurely(): boolean {
    if (!this.safeStorage.isEncryptionAvailable()) return false;
    const backend = this.safeStorage.selectedStorageBackend();
    return backend === undefined || !WEAK_BACKENDS.has(backend);
  }

  async get(serverUrl: string): Promise<StoredLogin | undefined> {
    return this.read().logins[normalizeServerUrl(serverUrl)];
  }

  async defaultServer(): Promise<string | undefined> {
    return this.read().defaultServer;
  }

  /** Stores (replacing) the login for `login.serverUrl`, and makes that server the default. */
  async put(login: StoredLogin, opts: { makeDefault?: boolean } = {}): Promise<void> {
    if (!this.canStoreSecurely()) throw new SafeStorageUnavailableError();
    const key = normalizeServerUrl(login.serverUrl);
    const logins = this.read();
    logins.logins[key] = storedLoginSchema.parse({ ...login, serverUrl: key });
    if (opts.makeDefault !== false) logins.defaultServer = key;
    this.write(logins);
  }

  /** True if there was a login to remove. */
  async remove(serverUrl: string): Promise<boolean> {
    const key = normalizeServerUrl(serverUrl);
    const logins = this.read();
    if (logins.logins[key] === undefined) return false;
    if (!this.canStoreSecurely()) throw new SafeStorageUnavailableError();
    delete logins.logins[key];
    if (logins.defaultServer === key) delete logins.defaultServer;
    this.write(logins);
    return true;
  }

  /** Everything is read and written in one synchronous step, so concurrent calls cannot interleave. */
  private read(): Logins {
    const sealed = this.store.get(KEY);
    if (typeof sealed !== 'string' || !this.canStoreSecurely()) return empty();
    try {
      const parsed = loginsSchema.safeParse(JSON.parse(this.safeStorage.decryptString(Buffer.from(sealed, 'base64'))));
      return parsed.success ? parsed.data : empty();
    } catch {
      // Sealed with a key the keychain no longer has (another user, a reset keyring): the tokens are gone; sign in again.
      return empty();
    }
  }

  private write(logins: Logins): void {
    const hasLogins = Object.keys(logins.logins).length > 0;
    if (!hasLogins && logins.defaultServer === undefined) {
      this.store.delete(KEY);
      return;
    }
    this.store.set(KEY, this.safeStorage.encryptString(JSON.stringify(logins)).toString('base64'));
  }
}

function empty(): Logins {
  return { version: 1, logins: {} };
}
