/**
 * What a person needs to point OpenSSH at a listener: the known_hosts line that pins the
 * listener's host key, a ready-to-run command line and a ~/.ssh/config entry.
 */
export interface ListenerAccess {
  /** The Host alias in ~/.ssh/config. */
  alias: string;
  host: string;
  port: number;
  user: string;
  identityFile: string;
  knownHostsFile: string;
  /** `ssh-ed25519 AAAA…` of the listener. */
  hostKeyPublic: string;
}

/** OpenSSH writes non-default ports as `[host]:port` in known_hosts. */
export function knownHostsLine(host: string, port: number, hostKeyPublic: string): string {
  return `${port === 22 ? host : `[${host}]:${port}`} ${hostKeyPublic}`;
}

export function sshCommandLine(access: ListenerAccess): string {
  return [
    'ssh',
    '-p',
    String(access.port),
    '-i',
    shellQuote(access.identityFile),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    shellQuote(`UserKnownHostsFile=${access.knownHostsFile}`),
    '-o',
    'StrictHostKeyChecking=yes',
    `${access.user}@${access.host}`,
  ].join(' ');
}

export function sshConfigEntry(access: ListenerAccess): string {
  return [
    `Host ${access.alias}`,
    `  HostName ${access.host}`,
    `  Port ${access.port}`,
    `  User ${access.user}`,
    `  IdentityFile ${configQuote(access.identityFile)}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${configQuote(access.knownHostsFile)}`,
    '  StrictHostKeyChecking yes',
    // The listener is local; the hop to the real host is already encrypted by the proxy.
    '  ForwardAgent no',
    '',
  ].join('\n');
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

function configQuote(text: string): string {
  return /\s/.test(text) ? `"${text}"` : text;
}
