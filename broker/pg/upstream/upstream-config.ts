import { readFileSync } from 'node:fs';

export const upstreamSslModes = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type UpstreamSslMode = (typeof upstreamSslModes)[number];

export const upstreamAuthMethods = ['scram-sha-256', 'md5', 'password', 'none'] as const;
export type UpstreamAuthMethod = (typeof upstreamAuthMethods)[number];

/** Where the proxy reaches the real server, and with what. The password never leaves this object. */
export interface UpstreamConfig {
  host: string;
  port: number;
  user: string;
  database: string;
  sslMode: UpstreamSslMode;
  /** PEM of the CA that must have signed the server certificate (verify-ca / verify-full). */
  caPem: string | null;
  /** Authentication methods the server may ask for; anything else is a downgrade and refused. */
  allowedAuth: ReadonlySet<UpstreamAuthMethod>;
  connectTimeoutMs: number;
  /** Held in a closure so that logging or serialising the config cannot print it. */
  readonly password: () => string | null;
}

export class UpstreamConfigError extends Error {
  override name = 'UpstreamConfigError';
}

export interface CredentialSources {
  /** Name of an environment variable holding the password. */
  passwordEnv?: string;
  /** Path of a file whose first line is the password. */
  passwordFile?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Parses a libpq-style URL. Errors never echo the URL, because it may carry the password.
 * Supported query parameters: sslmode, sslrootcert, require_auth, connect_timeout.
 */
export function parseUpstreamUrl(url: string, sources: CredentialSources = {}): UpstreamConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UpstreamConfigError('the upstream URL is not a valid postgres:// URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UpstreamConfigError(`the upstream URL must start with postgres:// (got ${u.protocol}//)`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new UpstreamConfigError('the upstream URL has no host');
  const port = u.port === '' ? 5432 : Number(u.port);
  const user = decodeURIComponent(u.username);
  if (user === '') throw new UpstreamConfigError('the upstream URL has no user name');
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;

  const known = new Set(['sslmode', 'sslrootcert', 'require_auth', 'connect_timeout']);
  for (const key of u.searchParams.keys()) {
    if (!known.has(key)) throw new UpstreamConfigError(`unsupported upstream URL parameter "${key}"`);
  }
  const sslModeText = u.searchParams.get('sslmode') ?? 'prefer';
  if (!(upstreamSslModes as readonly string[]).includes(sslModeText)) {
    throw new UpstreamConfigError(`sslmode "${sslModeText}" is not one of ${upstreamSslModes.join(', ')}`);
  }
  const sslMode = sslModeText as UpstreamSslMode;
  const rootCert = u.searchParams.get('sslrootcert');
  let caPem: string | null = null;
  if (rootCert !== null) {
    try {
      caPem = readFileSync(rootCert, 'utf8');
    } catch (e) {
      throw new UpstreamConfigError(`cannot read sslrootcert ${rootCert}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  if ((sslMode === 'verify-ca' || sslMode === 'verify-full') && caPem === null) {
    throw new UpstreamConfigError(`sslmode=${sslMode} needs sslrootcert=<CA file>`);
  }

  const allowedAuth = new Set<UpstreamAuthMethod>();
  for (const m of (u.searchParams.get('require_auth') ?? 'scram-sha-256').split(',')) {
    const method = m.trim();
    if (!(upstreamAuthMethods as readonly string[]).includes(method)) {
      throw new UpstreamConfigError(`require_auth method "${method}" is not one of ${upstreamAuthMethods.join(', ')}`);
    }
    allowedAuth.add(method as UpstreamAuthMethod);
  }
  const timeoutText = u.searchParams.get('connect_timeout');
  const connectTimeoutMs = timeoutText === null ? 10_000 : Number(timeoutText) * 1000;
  if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs <= 0) {
    throw new UpstreamConfigError('connect_timeout must be a positive number of seconds');
  }

  const password = resolvePassword(u.password === '' ? null : decodeURIComponent(u.password), sources);
  return {
    host,
    port,
    user,
    database,
    sslMode,
    caPem,
    allowedAuth,
    connectTimeoutMs,
    password: () => password,
  };
}

function resolvePassword(fromUrl: string | null, sources: CredentialSources): string | null {
  const env = sources.env ?? process.env;
  const found: string[] = [];
  if (fromUrl !== null) found.push('the URL');
  let password = fromUrl;
  if (sources.passwordEnv !== undefined) {
    const v = env[sources.passwordEnv];
    if (v === undefined || v === '') throw new UpstreamConfigError(`environment variable ${sources.passwordEnv} is empty or unset`);
    password = v;
    found.push('the environment');
  }
  if (sources.passwordFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(sources.passwordFile, 'utf8');
    } catch (e) {
      throw new UpstreamConfigError(`cannot read password file ${sources.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    password = text.split(/\r?\n/)[0] ?? '';
    found.push('a file');
  }
  if (found.length > 1) throw new UpstreamConfigError(`the upstream password is given twice (${found.join(' and ')}); give it once`);
  return password;
}

/** The URL with the password removed, safe for logs and errors. */
export function describeUpstream(c: UpstreamConfig): string {
  return `postgres://${c.user}@${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}/${c.database} (sslmode=${c.sslMode})`;
}

/** The upstream of a leased connection: address and TLS from the server, the credential held in memory only. */
export function upstreamFromLease(target: {
  host: string;
  port: number;
  database: string;
  user: string;
  sslmode: UpstreamSslMode;
  caPem: string | null;
  requireAuth: UpstreamAuthMethod[];
}, password: string | null): UpstreamConfig {
  if ((target.sslmode === 'verify-ca' || target.sslmode === 'verify-full') && target.caPem === null) {
    throw new UpstreamConfigError(`the connection uses sslmode=${target.sslmode} but has no CA certificate`);
  }
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    sslMode: target.sslmode,
    caPem: target.caPem,
    allowedAuth: new Set(target.requireAuth),
    connectTimeoutMs: 10_000,
    password: () => password,
  };
}
