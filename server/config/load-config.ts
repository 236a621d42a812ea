import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { parse as parseYaml } from 'yaml';
import { CONFIG_FIELDS, flagAttribute } from './config-fields.ts';
import type { ConfigField } from './config-fields.ts';
import { ConfigError, checkServerConfig, parseSecretsKey, serverConfigDocumentSchema } from './server-config.ts';
import type { ServerConfig } from './server-config.ts';

export interface LoadConfigInput {
  /** A YAML file with the document's nested keys (`idp: { issuer: … }`). */
  configFile?: string;
  /** Defaults to process.env. Only GATEHOUSE_* variables listed in CONFIG_FIELDS are read. */
  env?: NodeJS.ProcessEnv;
  /** Parsed command-line options, keyed as commander names them (`idpIssuer`, `devIdp`, …). */
  flags?: Record<string, unknown>;
  /** Relative paths from the environment and flags resolve against this; defaults to process.cwd(). */
  cwd?: string;
  /** Defaults to env-paths('gatehouse').data + '/server'. */
  defaultDataDir?: string;
}

export interface LoadedConfig {
  config: ServerConfig;
  /** Things worth a loud log line that are not reasons to refuse. */
  warnings: string[];
}

type Doc = Record<string, unknown>;

export const DEV_SECRETS_KEY_FILE = 'dev-secrets.key';

export function defaultDataDir(): string {
  return join(envPaths('gatehouse').data, 'server');
}

/**
 * Reads the configuration from, in increasing precedence, the YAML file, GATEHOUSE_*
 * variables and flags; checks it; resolves the secrets key. Throws ConfigError with every
 * reason when the server must not start.
 */
export async function loadServerConfig(input: LoadConfigInput = {}): Promise<LoadedConfig> {
  const problems: string[] = [];
  const cwd = input.cwd ?? process.cwd();
  const fileDoc = input.configFile === undefined ? {} : await readConfigFile(resolve(cwd, input.configFile), problems);
  const env = input.env ?? process.env;
  const envDoc = documentFromSources(CONFIG_FIELDS, (field) => env[field.env], (field) => field.env, cwd, problems);
  const flagDoc = documentFromSources(
    CONFIG_FIELDS.filter((field) => field.flag !== ''),
    (field) => input.flags?.[flagAttribute(field.flag)],
    (field) => `--${field.flag}`,
    cwd,
    problems,
  );
  const merged = deepMerge(deepMerge(fileDoc, envDoc), flagDoc);

  const parsed = serverConfigDocumentSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || 'config'}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const doc = parsed.data;

  let secretsKey: Buffer | null = null;
  try {
    if (doc.secretsKey !== undefined) secretsKey = parseSecretsKey(doc.secretsKey, 'the secrets key (GATEHOUSE_SECRETS_KEY)');
    else if (doc.secretsKeyFile !== undefined) secretsKey = await readSecretsKeyFile(doc.secretsKeyFile);
  } catch (e) {
    problems.push((e as Error).message);
  }
  for (const file of [doc.tls?.certFile, doc.tls?.keyFile]) {
    if (file === undefined) continue;
    try {
      await access(file, constants.R_OK);
    } catch {
      problems.push(`TLS file ${file} cannot be read`);
    }
  }

  const checked = checkServerConfig(doc, secretsKey, { dataDir: input.defaultDataDir ?? defaultDataDir() });
  if (!checked.ok) problems.push(...checked.problems);
  if (problems.length > 0 || !checked.ok) throw new ConfigError(problems);

  const warnings = [...checked.warnings];
  const dataDir = resolve(cwd, checked.config.dataDir);
  let key = checked.config.secretsKey;
  if (key === null) {
    // Only reachable with devIdp: checkServerConfig refuses a missing key otherwise.
    const file = join(dataDir, DEV_SECRETS_KEY_FILE);
    key = await devSecretsKey(file);
    warnings.push(
      `DEV MODE: connection credentials are sealed with a generated key stored in ${file}. ` +
        'Anyone who can read that file can read every stored credential. Never use --dev-idp with real credentials.',
    );
  }
  return { config: { ...checked.config, dataDir, secretsKey: key }, warnings };
}

async function readConfigFile(file: string, problems: string[]): Promise<Doc> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`config file ${file} cannot be read: ${(e as Error).message}`]);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new ConfigError([`config file ${file} is not valid YAML: ${(e as Error).message}`]);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`config file ${file} must be a mapping of settings`);
    return {};
  }
  const doc = value as Doc;
  // Paths in a config file mean "next to the config file", wherever the server is started from.
  const base = dirname(file);
  for (const field of CONFIG_FIELDS) {
    if (field.kind !== 'path') continue;
    const current = getPath(doc, field.path);
    if (typeof current === 'string' && !isAbsolute(current)) setPath(doc, field.path, resolve(base, current));
  }
  return doc;
}

function documentFromSources(
  fields: readonly ConfigField[],
  read: (field: ConfigField) => unknown,
  label: (field: ConfigField) => string,
  cwd: string,
  problems: string[],
): Doc {
  const doc: Doc = {};
  for (const field of fields) {
    const raw = read(field);
    if (raw === undefined || raw === null || raw === '') continue;
    const value = convert(field, raw, label(field), cwd, problems);
    if (value !== undefined) setPath(doc, field.path, value);
  }
  return doc;
}

function convert(field: ConfigField, raw: unknown, label: string, cwd: string, problems: string[]): unknown {
  if (field.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    const text = String(raw).trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(text)) return true;
    if (['0', 'false', 'no', 'off'].includes(text)) return false;
    problems.push(`${label}: expected true or false (got "${String(raw)}")`);
    return undefined;
  }
  const text = String(raw).trim();
  switch (field.kind) {
    case 'string':
      return text;
    case 'path':
      return resolve(cwd, text);
    case 'list':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'integer':
      if (!/^\d+$/.test(text)) {
        problems.push(`${label}: expected a whole number (got "${text}")`);
        return undefined;
      }
      return Number(text);
    default:
      return field.kind satisfies never;
  }
}

async function readSecretsKeyFile(file: string): Promise<Buffer> {
  let info;
  try {
    info = await stat(file);
  } catch (e) {
    throw new Error(`secrets key file ${file} cannot be read: ${(e as Error).message}`);
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new Error(`secrets key file ${file} is readable by other users (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`);
  }
  return parseSecretsKey(await readFile(file, 'utf8'), `secrets key file ${file}`);
}

async function devSecretsKey(file: string): Promise<Buffer> {
  try {
    return parseSecretsKey(await readFile(file, 'utf8'), `dev secrets key file ${file}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx': two servers starting at once must not each write a different key.
  try {
    await writeFile(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return parseSecretsKey(await readFile(file, 'utf8'), `dev secrets key file ${file}`);
  }
}

function getPath(doc: Doc, path: readonly string[]): unknown {
  let node: unknown = doc;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Doc)[key];
  }
  return node;
}

function setPath(doc: Doc, path: readonly string[], value: unknown): void {
  let node = doc;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Doc;
  }
  node[path[path.length - 1]!] = value;
}

function isPlainObject(value: unknown): value is Doc {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Objects merge key by key; anything else (lists included) is replaced by the later source. */
function deepMerge(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}
