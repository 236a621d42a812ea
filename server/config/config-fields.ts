/**
 * One row per setting that the environment and the command line can give: the same table
 * drives the GATEHOUSE_* variables, the `gatehouse server` flags and their help, so the three
 * sources cannot drift apart. (The YAML file uses the document's own nested keys.)
 */
export interface ConfigField {
  /** Where the value goes in the config document. */
  path: readonly [string] | readonly [string, string];
  env: string;
  /** The long flag without dashes, e.g. `idp-issuer`; commander names its value `idpIssuer`. */
  flag: string;
  /** Shown in help as `--flag <valueName>`; absent for on/off switches. */
  valueName?: string;
  kind: 'string' | 'path' | 'list' | 'integer' | 'boolean';
  description: string;
}

export const CONFIG_FIELDS: readonly ConfigField[] = [
  { path: ['listen'], env: 'GATEHOUSE_LISTEN', flag: 'listen', valueName: 'host:port', kind: 'string', description: 'address to listen on (default 127.0.0.1:7380; a non-loopback address requires TLS)' },
  { path: ['tls', 'certFile'], env: 'GATEHOUSE_TLS_CERT', flag: 'tls-cert', valueName: 'file', kind: 'path', description: 'serve HTTPS with this certificate chain (PEM)' },
  { path: ['tls', 'keyFile'], env: 'GATEHOUSE_TLS_KEY', flag: 'tls-key', valueName: 'file', kind: 'path', description: 'private key for --tls-cert (PEM)' },
  { path: ['database'], env: 'GATEHOUSE_DATABASE', flag: 'database', valueName: 'url', kind: 'string', description: 'PostgreSQL URL (default: embedded database in --data-dir); prefer the environment variable, argv is visible to other users' },
  { path: ['dataDir'], env: 'GATEHOUSE_DATA_DIR', flag: 'data-dir', valueName: 'dir', kind: 'path', description: 'directory of the embedded database and generated dev keys' },
  { path: ['idp', 'issuer'], env: 'GATEHOUSE_IDP_ISSUER', flag: 'idp-issuer', valueName: 'url', kind: 'string', description: 'OIDC issuer whose access tokens are accepted (https)' },
  { path: ['idp', 'audience'], env: 'GATEHOUSE_IDP_AUDIENCE', flag: 'idp-audience', valueName: 'aud', kind: 'string', description: 'required audience of access tokens (default urn:gatehouse)' },
  { path: ['idp', 'clientId'], env: 'GATEHOUSE_IDP_CLIENT_ID', flag: 'idp-client-id', valueName: 'id', kind: 'string', description: 'public OIDC client the desktop app signs in with (default gatehouse-app)' },
  { path: ['idp', 'groupsClaim'], env: 'GATEHOUSE_IDP_GROUPS_CLAIM', flag: 'idp-groups-claim', valueName: 'claim', kind: 'string', description: 'token claim listing the groups (default groups)' },
  { path: ['roles', 'admin'], env: 'GATEHOUSE_ADMIN_GROUPS', flag: 'admin-groups', valueName: 'groups', kind: 'list', description: 'comma-separated IdP groups holding the admin role' },
  { path: ['roles', 'auditor'], env: 'GATEHOUSE_AUDITOR_GROUPS', flag: 'auditor-groups', valueName: 'groups', kind: 'list', description: 'comma-separated IdP groups holding the auditor role' },
  { path: ['roles', 'analyst'], env: 'GATEHOUSE_ANALYST_GROUPS', flag: 'analyst-groups', valueName: 'groups', kind: 'list', description: 'comma-separated IdP groups holding the analyst role' },
  { path: ['roles', 'approverGroups'], env: 'GATEHOUSE_APPROVER_GROUPS', flag: 'approver-groups', valueName: 'groups', kind: 'list', description: 'comma-separated IdP groups whose members may approve' },
  // No --secrets-key flag on purpose: argv is readable by every user of the machine.
  { path: ['secretsKey'], env: 'GATEHOUSE_SECRETS_KEY', flag: '', kind: 'string', description: '32-byte key sealing connection credentials (hex or base64)' },
  { path: ['secretsKeyFile'], env: 'GATEHOUSE_SECRETS_KEY_FILE', flag: 'secrets-key-file', valueName: 'file', kind: 'path', description: 'file holding the 32-byte secrets key (hex or base64; mode 0600)' },
  { path: ['retention', 'auditDays'], env: 'GATEHOUSE_AUDIT_RETENTION_DAYS', flag: 'audit-retention-days', valueName: 'days', kind: 'integer', description: 'keep audit records this many days (default 365)' },
  { path: ['devIdp'], env: 'GATEHOUSE_DEV_IDP', flag: 'dev-idp', kind: 'boolean', description: 'run the bundled development IdP (one machine, demos only)' },
  { path: ['approvalGraceMs'], env: 'GATEHOUSE_APPROVAL_GRACE_MS', flag: 'approval-grace-ms', valueName: 'ms', kind: 'integer', description: 'slack given to approval deadlines, in milliseconds (default 30000)' },
  { path: ['publicUrl'], env: 'GATEHOUSE_PUBLIC_URL', flag: 'public-url', valueName: 'url', kind: 'string', description: 'URL clients reach this server at, when not the listen address' },
  { path: ['logLevel'], env: 'GATEHOUSE_LOG_LEVEL', flag: 'log-level', valueName: 'level', kind: 'string', description: 'fatal, error, warn, info (default), debug, trace or silent' },
];

/** commander's attribute name for a long flag: `idp-issuer` → `idpIssuer`. */
export function flagAttribute(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
