import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV_SECRETS_KEY_FILE, loadServerConfig } from '../../../server/config/load-config.ts';
import type { LoadConfigInput } from '../../../server/config/load-config.ts';
import { ConfigError, DEV_IDP_ROLE_MAPPING, isLoopbackHost, parseListen } from '../../../server/config/server-config.ts';

const KEY_HEX = randomBytes(32).toString('hex');
const GOOD_ENV = {
  GATEHOUSE_IDP_ISSUER: 'https://idp.example.com/realms/acme',
  GATEHOUSE_SECRETS_KEY: KEY_HEX,
  GATEHOUSE_ADMIN_GROUPS: 'platform-admins',
  GATEHOUSE_APPROVER_GROUPS: 'db-approvers',
  GATEHOUSE_AUDITOR_GROUPS: 'security',
  GATEHOUSE_ANALYST_GROUPS: 'analysts,data-science',
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function load(input: LoadConfigInput) {
  return loadServerConfig({ cwd: dir, defaultDataDir: join(dir, 'data'), env: {}, ...input });
}

/** Loads and expects a refusal; returns all its reasons as one text. */
async function refusal(input: LoadConfigInput): Promise<string> {
  const error = await load(input).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.join('\n');
}

describe('server config: accepted', () => {
  it('applies defaults and parses every environment variable', async () => {
    const { config, warnings } = await load({ env: GOOD_ENV });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 7380 });
    expect(config.tls).toBeNull();
    expect(config.database).toBeNull();
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.idp).toEqual({ issuer: GOOD_ENV.GATEHOUSE_IDP_ISSUER, audience: 'urn:gatehouse', clientId: 'gatehouse-app', groupsClaim: 'groups' });
    expect(config.roles).toEqual({ admin: ['platform-admins'], auditor: ['security'], analyst: ['analysts', 'data-science'], approverGroups: ['db-approvers'] });
    expect(config.secretsKey.equals(Buffer.from(KEY_HEX, 'hex'))).toBe(true);
    expect(config.retention.auditDays).toBe(365);
    expect(config.devIdp).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('merges the YAML file < environment < flags, and resolves file paths next to the file', async () => {
    const file = join(dir, 'gatehouse.yaml');
    await writeFile(
      file,
      [
        'listen: 127.0.0.1:9001',
        'dataDir: ./state',
        'idp: { issuer: "https://file.example.com", audience: file-aud, groupsClaim: roles }',
        'roles: { admin: [file-admins], analyst: [file-analysts] }',
        'retention: { auditDays: 30 }',
        'approvalGraceMs: 5000',
      ].join('\n'),
    );
    const { config } = await load({
      configFile: 'gatehouse.yaml',
      env: { GATEHOUSE_SECRETS_KEY: KEY_HEX, GATEHOUSE_LISTEN: '127.0.0.1:9002', GATEHOUSE_IDP_AUDIENCE: 'env-aud', GATEHOUSE_AUDIT_RETENTION_DAYS: '90' },
      flags: { listen: '127.0.0.1:9003', adminGroups: 'flag-admins' },
    });
    expect(config.listen.port).toBe(9003);
    expect(config.dataDir).toBe(join(dir, 'state'));
    expect(config.idp.issuer).toBe('https://file.example.com');
    expect(config.idp.audience).toBe('env-aud');
    expect(config.idp.groupsClaim).toBe('roles');
    expect(config.roles.admin).toEqual(['flag-admins']);
    expect(config.roles.analyst).toEqual(['file-analysts']);
    expect(config.retention.auditDays).toBe(90);
    expect(config.approvalGraceMs).toBe(5000);
  });

  it('accepts a non-loopback listen address with TLS, and a base64 key from a 0600 file', async () => {
    await writeFile(join(dir, 'cert.pem'), 'cert');
    await writeFile(join(dir, 'key.pem'), 'key');
    await writeFile(join(dir, 'secrets.key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const { GATEHOUSE_SECRETS_KEY: _unused, ...env } = GOOD_ENV;
    const { config } = await load({
      env,
      flags: { listen: '0.0.0.0:8443', tlsCert: 'cert.pem', tlsKey: 'key.pem', secretsKeyFile: 'secrets.key' },
    });
    expect(config.tls).toEqual({ certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') });
    expect(config.secretsKey).toHaveLength(32);
  });

  it('allows a plain-http issuer on loopback (a local IdP)', async () => {
    const { config } = await load({ env: { ...GOOD_ENV, GATEHOUSE_IDP_ISSUER: 'http://127.0.0.1:8080/realms/dev' } });
    expect(config.idp.issuer).toBe('http://127.0.0.1:8080/realms/dev');
  });

  it('with --dev-idp: generates a 0600 key once, reuses it, warns loudly, maps the demo groups', async () => {
    const first = await load({ flags: { devIdp: true } });
    const keyFile = join(dir, 'data', DEV_SECRETS_KEY_FILE);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(first.warnings.join('\n')).toMatch(/DEV MODE.*generated key/);
    expect(first.config.roles).toEqual(DEV_IDP_ROLE_MAPPING);
    expect(first.config.idp.issuer).toBeNull();
    const second = await load({ env: { GATEHOUSE_DEV_IDP: 'true' } });
    expect(second.config.secretsKey.equals(first.config.secretsKey)).toBe(true);
    expect((await readFile(keyFile, 'utf8')).trim()).toBe(first.config.secretsKey.toString('hex'));
  });
});

describe('server config: refusals', () => {
  it('refuses a non-loopback listen address without TLS', async () => {
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_LISTEN: '0.0.0.0:7380' } })).toMatch(/listening on 0\.0\.0\.0 without TLS/);
    expect(await refusal({ env: GOOD_ENV, flags: { listen: '10.1.2.3:80' } })).toMatch(/without TLS/);
  });

  it('refuses a TLS certificate without its key, and unreadable TLS files', async () => {
    await writeFile(join(dir, 'cert.pem'), 'cert');
    expect(await refusal({ env: GOOD_ENV, flags: { tlsCert: 'cert.pem' } })).toMatch(/certFile and tls.keyFile go together/);
    expect(await refusal({ env: GOOD_ENV, flags: { tlsCert: 'cert.pem', tlsKey: 'missing.pem' } })).toMatch(/TLS file .*missing\.pem cannot be read/);
  });

  it('refuses to start without a secrets key', async () => {
    const { GATEHOUSE_SECRETS_KEY: _unused, ...env } = GOOD_ENV;
    expect(await refusal({ env })).toMatch(/secrets key is required/);
  });

  it('refuses a short, long or malformed secrets key', async () => {
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_SECRETS_KEY: randomBytes(16).toString('hex') } })).toMatch(/too short: 16 bytes/);
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_SECRETS_KEY: randomBytes(12).toString('base64') } })).toMatch(/too short/);
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_SECRETS_KEY: randomBytes(48).toString('hex') } })).toMatch(/exactly 32/);
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_SECRETS_KEY: 'not a key!' } })).toMatch(/neither hex nor base64/);
  });

  it('refuses a secrets key file other users can read, and a key given twice', async () => {
    await writeFile(join(dir, 'open.key'), KEY_HEX, { mode: 0o644 });
    const { GATEHOUSE_SECRETS_KEY: _unused, ...env } = GOOD_ENV;
    expect(await refusal({ env, flags: { secretsKeyFile: 'open.key' } })).toMatch(/readable by other users.*chmod 600/);
    await writeFile(join(dir, 'closed.key'), KEY_HEX, { mode: 0o600 });
    expect(await refusal({ env: GOOD_ENV, flags: { secretsKeyFile: 'closed.key' } })).toMatch(/either secretsKey .* or secretsKeyFile/);
  });

  it('refuses a missing issuer, and a plain-http issuer on a network host', async () => {
    const { GATEHOUSE_IDP_ISSUER: _unused, ...env } = GOOD_ENV;
    expect(await refusal({ env })).toMatch(/idp\.issuer is required/);
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_IDP_ISSUER: 'http://idp.example.com' } })).toMatch(/plain http on a non-loopback host/);
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_IDP_ISSUER: 'ftp://idp.example.com' } })).toMatch(/must be an https URL/);
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_IDP_ISSUER: 'not a url' } })).toMatch(/is not a URL/);
  });

  it('refuses the dev IdP together with a real issuer, or on a network address', async () => {
    expect(await refusal({ env: GOOD_ENV, flags: { devIdp: true } })).toMatch(/either --dev-idp or an IdP issuer/);
    await writeFile(join(dir, 'cert.pem'), 'cert');
    await writeFile(join(dir, 'key.pem'), 'key');
    expect(await refusal({ flags: { devIdp: true, listen: '0.0.0.0:8443', tlsCert: 'cert.pem', tlsKey: 'key.pem' } })).toMatch(
      /--dev-idp cannot listen on 0\.0\.0\.0/,
    );
  });

  it('refuses an empty role mapping, and one without admins', async () => {
    const env = { GATEHOUSE_IDP_ISSUER: GOOD_ENV.GATEHOUSE_IDP_ISSUER, GATEHOUSE_SECRETS_KEY: KEY_HEX };
    expect(await refusal({ env })).toMatch(/no IdP groups are mapped to roles/);
    expect(await refusal({ env: { ...env, GATEHOUSE_ANALYST_GROUPS: 'analysts' } })).toMatch(/roles\.admin is empty/);
  });

  it('refuses a group that is both auditor and one of the audited roles', async () => {
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_AUDITOR_GROUPS: 'platform-admins' } })).toMatch(/platform-admins are mapped to both auditor and admin/);
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_AUDITOR_GROUPS: 'db-approvers' } })).toMatch(/both auditor and approver/);
  });

  it('refuses a database that is not a postgres URL, and a plain-http public URL', async () => {
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_DATABASE: 'mysql://db/x' } })).toMatch(/postgres:\/\/ or postgresql:\/\//);
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_PUBLIC_URL: 'http://gatehouse.example.com' } })).toMatch(/publicUrl .* plain http/);
  });

  it('refuses malformed values and unknown keys, naming where they came from', async () => {
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_AUDIT_RETENTION_DAYS: 'forever' } })).toMatch(/GATEHOUSE_AUDIT_RETENTION_DAYS: expected a whole number/);
    expect(await refusal({ env: { ...GOOD_ENV, GATEHOUSE_DEV_IDP: 'maybe' } })).toMatch(/GATEHOUSE_DEV_IDP: expected true or false/);
    expect(await refusal({ env: GOOD_ENV, flags: { listen: 'localhost' } })).toMatch(/listen must be HOST:PORT/);
    await writeFile(join(dir, 'typo.yaml'), 'idp:\n  isuer: https://idp.example.com\n');
    expect(await refusal({ env: GOOD_ENV, configFile: 'typo.yaml' })).toMatch(/idp: Unrecognized key.*isuer/);
    await writeFile(join(dir, 'bad.yaml'), 'listen: [unclosed');
    expect(await refusal({ env: GOOD_ENV, configFile: 'bad.yaml' })).toMatch(/not valid YAML/);
  });

  it('reports every problem at once', async () => {
    const text = await refusal({ env: { GATEHOUSE_LISTEN: '0.0.0.0:80' } });
    expect(text).toMatch(/without TLS/);
    expect(text).toMatch(/idp\.issuer is required/);
    expect(text).toMatch(/no IdP groups are mapped/);
    expect(text).toMatch(/secrets key is required/);
  });
});

describe('server config helpers', () => {
  it('tells loopback hosts from network hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('parses host:port including bracketed IPv6', () => {
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('127.0.0.1:7380')).toEqual({ host: '127.0.0.1', port: 7380 });
    expect(() => parseListen('127.0.0.1:70000')).toThrow(/out of range/);
  });
});
