import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import envPaths from 'env-paths';
import { z } from 'zod';
import { authConfigSchema } from '../../shared/api/identity.ts';
import { writeFileAtomically } from '../fs/write-file-atomically.ts';

/** One sign-in, for one server. Tokens are bearer secrets: never logged, never printed. */
export const storedLoginSchema = z.object({
  serverUrl: z.string(),
  /** The server's sign-in settings at login time: enough to refresh without asking the server. */
  authConfig: authConfigSchema,
  accessToken: z.string(),
  refreshToken: z.string().optional(),
  idToken: z.string().optional(),
  /** Milliseconds since the epoch; absent when the IdP said nothing about expiry. */
  expiresAt: z.number().optional(),
  /** Who signed in, for `gatehouse login` / status output. */
  subject: z.string().optional(),
  name: z.string().optional(),
  savedAt: z.string(),
});
export type StoredLogin = z.infer<typeof storedLoginSchema>;

const tokenFileSchema = z.object({
  version: z.literal(1),
  /** The server of the most recent login: used when neither --server nor GATEHOUSE_SERVER is given. */
  defaultServer: z.string().optional(),
  logins: z.record(z.string(), storedLoginSchema),
});
type TokenFile = z.infer<typeof tokenFileSchema>;

const EMPTY: TokenFile = { version: 1, logins: {} };
const CHECK_PERMISSIONS = process.platform !== 'win32';

export class TokenStoreInsecureError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`refusing to read ${path}: ${detail}. It holds sign-in tokens; fix it with \`chmod 600 ${path}\` or delete it and sign in again`);
    this.name = 'TokenStoreInsecureError';
  }
}

/** `$GATEHOUSE_HOME/tokens.json`, else the per-user data directory (~/.local/share/gatehouse on Linux). */
export function defaultTokenStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['GATEHOUSE_HOME'];
  const dir = home !== undefined && home !== '' ? home : envPaths('gatehouse', { suffix: '' }).data;
  return join(dir, 'tokens.json');
}

/** Server URLs name the same server however they are typed: lower-case origin, no trailing slash. */
export function normalizeServerUrl(serverUrl: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new Error(`"${serverUrl}" is not a server URL (expected e.g. https://gatehouse.example.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`server URL must be http(s): ${serverUrl}`);
  if (url.username !== '' || url.password !== '') throw new Error('server URL must not carry credentials');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Where sign-ins are kept, one per server: a 0600 file for the CLI (FileTokenStore), the OS
 * keychain through Electron's safeStorage in the desktop app.
 */
export interface TokenStore {
  get(serverUrl: string): Promise<StoredLogin | undefined>;
  defaultServer(): Promise<string | undefined>;
  /** Stores (replacing) the login for `login.serverUrl`, and makes that server the default unless told not to. */
  put(login: StoredLogin, opts?: { makeDefault?: boolean }): Promise<void>;
  /** True if there was a login to remove. */
  remove(serverUrl: string): Promise<boolean>;
}

/**
 * Sign-in tokens on disk, one entry per server, in a file only its owner may read (0600).
 * Writes are atomic (temporary file, fsync, rename) so a crash never leaves half a file.
 */
export class FileTokenStore implements TokenStore {
  constructor(readonly path: string = defaultTokenStorePath()) {}

  async get(serverUrl: string): Promise<StoredLogin | undefined> {
    return (await this.read()).logins[normalizeServerUrl(serverUrl)];
  }

  async defaultServer(): Promise<string | undefined> {
    return (await this.read()).defaultServer;
  }

  /** Stores (replacing) the login for `login.serverUrl`, and makes that server the default. */
  async put(login: StoredLogin, opts: { makeDefault?: boolean } = {}): Promise<void> {
    const key = normalizeServerUrl(login.serverUrl);
    const file = await this.read();
    file.logins[key] = storedLoginSchema.parse({ ...login, serverUrl: key });
    if (opts.makeDefault !== false) file.defaultServer = key;
    await this.write(file);
  }

  /** True if there was a login to remove. */
  async remove(serverUrl: string): Promise<boolean> {
    const key = normalizeServerUrl(serverUrl);
    const file = await this.read();
    if (file.logins[key] === undefined) return false;
    delete file.logins[key];
    if (file.defaultServer === key) delete file.defaultServer;
    await this.write(file);
    return true;
  }

  private async read(): Promise<TokenFile> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
      throw err;
    }
    try {
      // fstat on the handle we read from: a path check followed by a read could be raced.
      const info = await handle.stat();
      if (CHECK_PERMISSIONS) {
        if ((info.mode & 0o077) !== 0) {
          throw new TokenStoreInsecureError(this.path, `it is readable or writable by group or others (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')})`);
        }
        const uid = process.getuid?.();
        if (uid !== undefined && info.uid !== uid) throw new TokenStoreInsecureError(this.path, `it belongs to another user (uid ${info.uid})`);
      }
      let json: unknown;
      try {
        json = JSON.parse(await handle.readFile('utf8'));
      } catch {
        throw new Error(`${this.path} is not valid JSON; delete it and sign in again`);
      }
      const parsed = tokenFileSchema.safeParse(json);
      if (!parsed.success) throw new Error(`${this.path} is not a Gatehouse token file: ${parsed.error.message}`);
      return parsed.data;
    } finally {
      await handle.close();
    }
  }

  private async write(file: TokenFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomically(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }
}


/** `new TokenStore(path)` predates the interface and still means the file store. */
export const TokenStore = FileTokenStore;
