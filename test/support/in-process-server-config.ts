import { randomBytes } from 'node:crypto';
import { DEV_IDP_ROLE_MAPPING } from '../../server/config/server-config.ts';
import type { ServerConfig } from '../../server/config/server-config.ts';

/**
 * The config of a policy server started in the test's own process: 127.0.0.1 on a free port,
 * embedded PGlite in `dataDir`, its dev IdP with the dev role mapping, and a fresh secrets key.
 */
export function devIdpServerConfig(dataDir: string): ServerConfig {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    tls: null,
    database: null,
    dataDir,
    idp: { issuer: null, audience: 'urn:gatehouse', clientId: 'gatehouse-app', groupsClaim: 'groups' },
    roles: structuredClone(DEV_IDP_ROLE_MAPPING),
    secretsKey: randomBytes(32),
    // The retention schedule must not purge behind the tests' back; tests call the purges themselves.
    retention: { auditDays: 36_500 },
    devIdp: true,
    approvalGraceMs: 30_000,
    publicUrl: null,
    logLevel: 'silent',
  };
}
