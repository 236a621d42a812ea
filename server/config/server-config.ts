import { isIP } from 'node:net';
import { z } from 'zod';

/*
 * The policy server's configuration: the document schema (what a YAML file, GATEHOUSE_*
 * variables and flags may say), the resolved config the rest of the server reads, and the
 * checks that refuse an insecure or inconsistent setup before anything listens.
 */

export const DEFAULT_LISTEN = '127.0.0.1:7380';
export const SECRETS_KEY_BYTES = 32;

export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof logLevelSchema>;

const groupListSchema = z.array(z.string().min(1));

/** Every key is optional here: defaults and cross-field rules are applied by `checkServerConfig`. */
export const serverConfigDocumentSchema = z
  .object({
    /** `host:port`; `[::1]:7380` for IPv6. Port 0 picks a free port. */
    listen: z.string().min(1),
    tls: z.object({ certFile: z.string().min(1).optional(), keyFile: z.string().min(1).optional() }).strict(),
    /** A postgres:// URL. Absent: embedded PGlite in `dataDir`. */
    database: z.string().min(1),
    dataDir: z.string().min(1),
    idp: z
      .object({
        issuer: z.string().min(1),
        audience: z.string().min(1),
        /** The public (PKCE) client the desktop app and CLI sign in with. */
        clientId: z.string().min(1),
        groupsClaim: z.string().min(1),
      })
      .partial()
      .strict(),
    roles: z
      .object({ admin: groupListSchema, auditor: groupListSchema, analyst: groupListSchema, approverGroups: groupListSchema })
      .partial()
      .strict(),
    /** 32 bytes, hex or base64. Prefer GATEHOUSE_SECRETS_KEY or a file over a config file. */
    secretsKey: z.string().min(1),
    secretsKeyFile: z.string().min(1),
    retention: z.object({ auditDays: z.number().int().min(1).max(36_500) }).partial().strict(),
    /** Run the bundled development IdP (demos and trials on one machine only). */
    devIdp: z.boolean(),
    /** Slack the approvals module gives deadlines, for clock skew and decisions in flight (ms). */
    approvalGraceMs: z.number().int().min(0).max(3_600_000),
    /** The URL clients use to reach this server, when it differs from the listen address (proxy, DNS name). */
    publicUrl: z.string().min(1),
    logLevel: logLevelSchema,
  })
  .partial()
  .strict();
export type ServerConfigDocument = z.infer<typeof serverConfigDocumentSchema>;

/** Which IdP groups grant which role; the same shape server/auth consumes. */
export interface RoleMappingConfig {
  admin: string[];
  auditor: string[];
  analyst: string[];
  approverGroups: string[];
}

/** The configuration the server runs with, after defaults, checks and key resolution. */
export interface ServerConfig {
  listen: { host: string; port: number };
  tls: { certFile: string; keyFile: string } | null;
  /** null: embedded PGlite under `dataDir`. */
  database: string | null;
  dataDir: string;
  idp: {
    /** null only with `devIdp`, until the dev IdP has started and reported its issuer. */
    issuer: string | null;
    audience: string;
    clientId: string;
    groupsClaim: string;
  };
  roles: RoleMappingConfig;
  /** The key sealing connection credentials (AES-256-GCM): exactly 32 bytes. Never log it. */
  secretsKey: Buffer;
  retention: { auditDays: number };
  devIdp: boolean;
  approvalGraceMs: number;
  publicUrl: string | null;
  logLevel: LogLevel;
}

/** The groups the dev IdP's demo users carry (server/dev-idp/demo-users.ts); used when `devIdp` is on and no roles are mapped. */
export const DEV_IDP_ROLE_MAPPING: RoleMappingConfig = {
  admin: ['admins'],
  auditor: ['auditors'],
  analyst: ['analysts'],
  approverGroups: ['db-approvers'],
};

export const CONFIG_DEFAULTS = {
  // An absolute URI: OIDC resource indicators (and the dev IdP) require one.
  idpAudience: 'urn:gatehouse',
  idpClientId: 'gatehouse-app',
  groupsClaim: 'groups',
  auditDays: 365,
  approvalGraceMs: 30_000,
  logLevel: 'info' as LogLevel,
};

/** Refusal to start, with every reason found (not just the first). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`refusing to start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  // IPv4-mapped IPv6 loopback, e.g. ::ffff:127.0.0.1
  return /^::ffff:127\./.test(bare);
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(text.trim());
  if (m === null) throw new Error(`listen must be HOST:PORT, e.g. ${DEFAULT_LISTEN} (got "${text}")`);
  const port = Number(m[2]);
  if (port > 65_535) throw new Error(`listen port ${port} is out of range`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** 32 bytes written as 64 hex digits, or base64 / base64url. */
export function parseSecretsKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  let key: Buffer;
  if (/^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0 && trimmed.length >= 32) {
    key = Buffer.from(trimmed, 'hex');
  } else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    key = Buffer.from(trimmed, 'base64');
  } else {
    throw new Error(`${origin} is neither hex nor base64`);
  }
  if (key.length < SECRETS_KEY_BYTES) {
    throw new Error(`${origin} is too short: ${key.length} bytes, it must be ${SECRETS_KEY_BYTES} random bytes (e.g. \`openssl rand -hex 32\`)`);
  }
  if (key.length > SECRETS_KEY_BYTES) {
    throw new Error(`${origin} is ${key.length} bytes; it must be exactly ${SECRETS_KEY_BYTES} (e.g. \`openssl rand -hex 32\`)`);
  }
  return key;
}

function checkUrl(text: string, what: string, problems: string[], opts: { allowHttpOnLoopback: boolean }): URL | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`${what} "${text}" is not a URL`);
    return null;
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && opts.allowHttpOnLoopback && isLoopbackHost(url.hostname)) return url;
  problems.push(
    url.protocol === 'http:'
      ? `${what} "${text}" is plain http on a non-loopback host: tokens and secrets would cross the network unencrypted; use https`
      : `${what} "${text}" must be an https URL`,
  );
  return null;
}

/**
 * Applies defaults and every cross-field rule. `secretsKey` is the key already read from the
 * document, the environment or a file (null when none was given). Returns the config, or the
 * full list of reasons it is refused.
 */
export function checkServerConfig(
  doc: ServerConfigDocument,
  secretsKey: Buffer | null,
  defaults: { dataDir: string },
): { ok: true; config: Omit<ServerConfig, 'secretsKey'> & { secretsKey: Buffer | null }; warnings: string[] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const devIdp = doc.devIdp === true;

  let listen = { host: '127.0.0.1', port: 7380 };
  try {
    listen = parseListen(doc.listen ?? DEFAULT_LISTEN);
  } catch (e) {
    problems.push((e as Error).message);
  }

  const certFile = doc.tls?.certFile;
  const keyFile = doc.tls?.keyFile;
  let tls: ServerConfig['tls'] = null;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push('tls.certFile and tls.keyFile go together (--tls-cert and --tls-key)');
  } else if (certFile !== undefined && keyFile !== undefined) {
    tls = { certFile, keyFile };
  }
  if (tls === null && !isLoopbackHost(listen.host)) {
    problems.push(
      `listening on ${listen.host} without TLS would expose bearer tokens and credentials on the network: give --tls-cert and --tls-key, or listen on 127.0.0.1`,
    );
  }
  if (devIdp && !isLoopbackHost(listen.host)) {
    problems.push(`the dev IdP signs in anyone who asks: it is for one machine only, so --dev-idp cannot listen on ${listen.host}`);
  }

  if (doc.database !== undefined && !/^postgres(ql)?:\/\//.test(doc.database)) {
    problems.push('database must be a postgres:// or postgresql:// URL (leave it out to use the embedded database)');
  }

  const issuer = doc.idp?.issuer ?? null;
  if (devIdp && issuer !== null) {
    problems.push('give either --dev-idp or an IdP issuer, not both: the dev IdP is its own issuer');
  } else if (!devIdp && issuer === null) {
    problems.push('idp.issuer is required (GATEHOUSE_IDP_ISSUER or --idp-issuer), or --dev-idp for a local trial');
  } else if (issuer !== null) {
    checkUrl(issuer, 'idp.issuer', problems, { allowHttpOnLoopback: true });
  }

  if (doc.publicUrl !== undefined) checkUrl(doc.publicUrl, 'publicUrl', problems, { allowHttpOnLoopback: true });

  const given = doc.roles ?? {};
  const nothingMapped = Object.values(given).every((groups) => groups === undefined || groups.length === 0);
  const roles: RoleMappingConfig =
    devIdp && nothingMapped
      ? structuredClone(DEV_IDP_ROLE_MAPPING)
      : { admin: given.admin ?? [], auditor: given.auditor ?? [], analyst: given.analyst ?? [], approverGroups: given.approverGroups ?? [] };
  if (roles.admin.length === 0) {
    problems.push(
      nothingMapped
        ? 'no IdP groups are mapped to roles: nobody could administer, approve or audit; map groups with roles.* (--admin-groups, --approver-groups, --auditor-groups, --analyst-groups)'
        : 'roles.admin is empty: nobody could manage connections and policies; map at least one IdP group (--admin-groups)',
    );
  }
  // Auditors watch everyone else; a group that is also admin, analyst or approver would audit itself.
  for (const other of ['admin', 'analyst', 'approverGroups'] as const) {
    const shared = roles.auditor.filter((group) => roles[other].includes(group));
    if (shared.length > 0) {
      problems.push(`group(s) ${shared.join(', ')} are mapped to both auditor and ${other === 'approverGroups' ? 'approver' : other}: auditors must be separate from the people they audit`);
    }
  }
  if (roles.approverGroups.length === 0) warnings.push('no approver groups are mapped: requests that need an approval can never be approved');
  if (roles.auditor.length === 0) warnings.push('no auditor groups are mapped: only the database can show the audit trail');

  if (doc.secretsKey !== undefined && doc.secretsKeyFile !== undefined) {
    problems.push('give either secretsKey (GATEHOUSE_SECRETS_KEY) or secretsKeyFile, not both');
  } else if (secretsKey === null && !devIdp) {
    problems.push(
      `a secrets key is required to seal connection credentials: set GATEHOUSE_SECRETS_KEY or --secrets-key-file to ${SECRETS_KEY_BYTES} random bytes (e.g. \`openssl rand -hex 32\`)`,
    );
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    warnings,
    config: {
      listen,
      tls,
      database: doc.database ?? null,
      dataDir: doc.dataDir ?? defaults.dataDir,
      idp: {
        issuer,
        audience: doc.idp?.audience ?? CONFIG_DEFAULTS.idpAudience,
        clientId: doc.idp?.clientId ?? CONFIG_DEFAULTS.idpClientId,
        groupsClaim: doc.idp?.groupsClaim ?? CONFIG_DEFAULTS.groupsClaim,
      },
      roles,
      secretsKey,
      retention: { auditDays: doc.retention?.auditDays ?? CONFIG_DEFAULTS.auditDays },
      devIdp,
      approvalGraceMs: doc.approvalGraceMs ?? CONFIG_DEFAULTS.approvalGraceMs,
      publicUrl: doc.publicUrl ?? null,
      logLevel: doc.logLevel ?? CONFIG_DEFAULTS.logLevel,
    },
  };
}

/** What to log at start: everything an operator checks, nothing secret. */
export function describeConfig(config: ServerConfig): Record<string, unknown> {
  return {
    listen: `${config.listen.host}:${config.listen.port}`,
    tls: config.tls !== null,
    database: config.database === null ? `embedded (${config.dataDir})` : describeDatabaseUrl(config.database),
    idpIssuer: config.idp.issuer,
    idpAudience: config.idp.audience,
    devIdp: config.devIdp,
    roles: config.roles,
    auditRetentionDays: config.retention.auditDays,
    publicUrl: config.publicUrl,
  };
}

/** host:port/database of a postgres URL: the password and user stay out of logs. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres ${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres (unparseable URL)';
  }
}
